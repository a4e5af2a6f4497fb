"""Reminders before the CNIL deadline: the offer, the member's answer, the message.

The member asks for them with a button on the verdict; the button carries the
deadline (the answers are erased when the flow ends), so a forged one can only
move the member's own reminders, and only within `_ACCEPTED_WINDOW`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import callbacks
from bot.core.content import Content
from bot.core.events import CancelReminders, RemindBefore
from bot.core.flows.dates import format_local, format_remaining
from bot.core.html import escape
from bot.core.reply import Button, Outcome, Reply, rows

KIND = "r"
# Hours before the deadline at which a reminder is sent (only those still to come).
BEFORE_HOURS = (24, 4)
# Deadline already passed: one reminder this long after the member asked.
OVERDUE_AFTER = timedelta(hours=1)
# A deadline a button may carry, around now: 72 h ahead at most, a month behind.
_ACCEPTED_WINDOW = (timedelta(days=31), timedelta(hours=73))


def offer_button(content: Content, deadline: datetime, lang: str) -> Button:
    return Button(
        content.ui.get("reminder.offer", lang),
        callbacks.encode(KIND, "on", int(deadline.timestamp())),
    )


def done_button(content: Content, lang: str) -> Button:
    return Button(content.ui.get("reminder.done_button", lang), callbacks.encode(KIND, "done"))


def times(deadline: float, now: float) -> tuple[float, ...]:
    """When to remind: 24 h and 4 h before, those still in the future; once, an hour
    from now, when the deadline has passed."""
    if deadline <= now:
        return (now + OVERDUE_AFTER.total_seconds(),)
    return tuple(t for t in (deadline - h * 3600 for h in BEFORE_HOURS) if t > now)


def press(content: Content, args: tuple[str, ...], lang: str, now: datetime) -> Outcome:
    ui = content.ui
    if args == ("done",):
        return Outcome([Reply(ui.get("reminder.cancelled", lang))], [CancelReminders()])
    if len(args) != 2 or args[0] != "on" or not args[1].isascii() or not args[1].isdigit():
        return Outcome([Reply(ui.get("expired", lang))])
    deadline = datetime.fromtimestamp(int(args[1]), tz=now.tzinfo)
    behind, ahead = _ACCEPTED_WINDOW
    if not now - behind <= deadline <= now + ahead:
        return Outcome([Reply(ui.get("expired", lang))])
    planned = times(deadline.timestamp(), now.timestamp())
    if not planned:
        return Outcome([Reply(ui.get("reminder.too_late", lang, due=_due(deadline, lang)))])
    when = [_due(datetime.fromtimestamp(t, tz=now.tzinfo), lang) for t in planned]
    key = "reminder.scheduled_overdue" if deadline <= now else "reminder.scheduled"
    text = ui.get(key, lang, due=_due(deadline, lang), times=", ".join(when))
    effect = RemindBefore(deadline.timestamp(), planned, lang)
    return Outcome([Reply(text, rows([done_button(content, lang)]))], [effect])


def message(content: Content, deadline: float, lang: str, now: float) -> Reply:
    """The reminder itself: the deadline, the CNIL's service, and "it's done"."""
    ui = content.ui
    due = datetime.fromtimestamp(deadline, tz=UTC)
    if deadline <= now:
        text = ui.get("reminder.message_overdue", lang, due=_due(due, lang))
    else:
        remaining = format_remaining(timedelta(seconds=deadline - now), lang)
        text = ui.get("reminder.message", lang, due=_due(due, lang), remaining=remaining)
    return Reply(text, rows([done_button(content, lang)]))


def _due(when: datetime, lang: str) -> str:
    return escape(format_local(when, lang))
