"""Reminders before the CNIL deadline: asked for on the verdict, sent 24 h and 4 h before,
cancelled by "C'est fait" or /oubli, durable across restarts and kill -9, and the chat id
they need kept in the reminders table only, and only until they are done.

The bot runs for real (python-telegram-bot against the fake Bot API, SQLite in WAL mode)
with an injected clock; the reminder loop's `run_due` is called when the clock moves.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import reminders
from bot.core.content import Content
from bot.core.events import RemindBefore
from bot.core.flows.dates import PARIS
from tests.e2e_support import Harness
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.conversation import Chat
from tests.fakes.conversation import Reply as Seen
from tests.process import start_vigie, stop_vigie
from tests.test_telegram_e2e import integer_encodings, leaks

MEMBER = 731_845_226
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # 10:30 in Paris
# Aware "today" (2 March, time not given): 72 h from midnight Paris.
DEADLINE = datetime(2026, 3, 5, 0, 0, tzinfo=PARIS)
FIRST, SECOND = DEADLINE - timedelta(hours=24), DEADLINE - timedelta(hours=4)
TO_THE_DATE = [
    "Oui", "Mes données (responsable)", "Je ne peux pas l'exclure", "Non", "Non",
    "Pirate, voleur ou inconnu", "Non ou je ne sais pas", "Non ou pas sûr",
    "Santé, NIR, bancaire, mots de passe", "Moins de 50",
]  # fmt: skip
OFFER = "⏰ Me rappeler avant l'échéance"
DONE = "✅ C'est fait, la CNIL est notifiée"


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotApi, content: Content, tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(api, content, tmp_path)
    harness.clock = Clock(NOW)
    await harness.start()
    yield harness
    await harness.stop()


def clock_of(bot: Harness) -> Clock:
    assert isinstance(bot.clock, Clock)
    return bot.clock


async def to_the_verdict(member: Chat, aware: str | None = None) -> None:
    await member.send("/notifier")
    for label in TO_THE_DATE:
        await member.click(label)
    if aware is None:
        await member.click("Aujourd'hui")
    else:
        await member.click("Autre date…")
        await member.send(aware)
    await member.click("✅ Voir le résultat")


async def at(bot: Harness, member: Chat, when: datetime) -> list[Seen]:
    """Move the bot's clock to `when`, let the reminder loop run; the messages it sent."""
    clock_of(bot).now = when
    await bot.app.bot_data["vigie_reminders"].run_due()
    return await member.wait()


def rows(bot: Harness) -> list[tuple[int, float, float, str]]:
    return [tuple(r) for r in bot.query("SELECT chat_id, due_at, deadline, lang FROM reminders")]


def tables_holding(bot: Harness, chat_id: int) -> set[str]:
    """The tables with a row that contains the raw chat id (what an auditor would find)."""
    names = [r[0] for r in bot.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t for t in names if any(chat_id in row for row in bot.query(f"SELECT * FROM {t}"))}


async def test_reminders_come_24_and_4_hours_before_then_nothing_is_left(bot: Harness) -> None:
    member = bot.chat(MEMBER)
    await to_the_verdict(member)
    verdict = next(r for r in member.history if "Date limite" in r.text)
    assert verdict.button_texts[0] == OFFER
    assert leaks(bot.database_bytes(), integer_encodings(MEMBER)) == []  # nothing yet

    replies = await member.click(OFFER, message_id=verdict.message_id)
    assert "je vous rappellerai l'échéance du 05/03/2026 à 00 h 00" in replies[-1].text
    assert "04/03/2026 à 00 h 00, 04/03/2026 à 20 h 00" in replies[-1].text
    assert rows(bot) == [
        (MEMBER, FIRST.timestamp(), DEADLINE.timestamp(), "fr"),
        (MEMBER, SECOND.timestamp(), DEADLINE.timestamp(), "fr"),
    ]
    assert tables_holding(bot, MEMBER) == {"reminders"}

    # Sent on the rate limiter the broadcasts and the interactive replies share.
    limiter = bot.app.bot_data["vigie_limiter"]
    assert bot.app.bot_data["vigie_reminders"].limiter() is limiter
    assert await at(bot, member, FIRST - timedelta(seconds=1)) == []
    first = await at(bot, member, FIRST + timedelta(seconds=5))
    assert len(first) == 1
    assert "Rappel : notification à la CNIL avant le 05/03/2026 à 00 h 00" in first[0].text
    assert "il reste 23 h 59" in first[0].text
    assert first[0].button_texts == [DONE]
    assert "notifier-une-violation-de-donnees-personnelles" in first[0].raw_text
    assert len(rows(bot)) == 1

    await bot.restart()  # nothing is sent twice after a restart
    assert await at(bot, member, FIRST + timedelta(minutes=10)) == []

    second = await at(bot, member, SECOND + timedelta(seconds=1))
    assert len(second) == 1 and "il reste 3 h 59" in second[0].text
    assert rows(bot) == []
    files = bot.database_bytes()
    assert leaks(files, integer_encodings(MEMBER)) == []
    assert files.get("vigie.db-wal", b"") == b""  # scrubbed after the erasure
    assert await at(bot, member, DEADLINE + timedelta(hours=1)) == []


async def test_cest_fait_cancels_what_is_left(bot: Harness) -> None:
    member = bot.chat(MEMBER)
    await to_the_verdict(member)
    await member.click(OFFER)
    first = await at(bot, member, FIRST + timedelta(seconds=1))
    replies = await member.click(DONE, message_id=first[0].message_id)
    assert "plus de rappel" in replies[-1].text
    assert rows(bot) == []
    assert leaks(bot.database_bytes(), integer_encodings(MEMBER)) == []
    assert await at(bot, member, SECOND + timedelta(seconds=1)) == []


async def test_oubli_cancels_the_reminders(bot: Harness) -> None:
    member = bot.chat(MEMBER)
    await to_the_verdict(member)
    await member.click(OFFER)
    assert len(rows(bot)) == 2
    replies = await member.send("/oubli")
    assert "rappels d'échéance sont effacés" in replies[-1].text
    assert rows(bot) == []
    files = bot.database_bytes()
    assert leaks(files, integer_encodings(MEMBER)) == []
    assert files.get("vigie.db-wal", b"") == b""
    assert await at(bot, member, FIRST + timedelta(seconds=1)) == []


async def test_a_member_who_blocked_the_bot_loses_their_reminders(bot: Harness) -> None:
    member = bot.chat(MEMBER)
    await to_the_verdict(member)
    await member.click(OFFER)
    bot.api.block(MEMBER)
    assert await at(bot, member, FIRST + timedelta(seconds=1)) == []
    assert [c.status for c in bot.api.calls_to("sendMessage", chat_id=MEMBER)][-1] == 403
    assert rows(bot) == []  # the second one too: it could never arrive
    assert leaks(bot.database_bytes(), integer_encodings(MEMBER)) == []


async def test_telegram_busy_or_down_postpones_the_reminder_without_losing_it(
    bot: Harness,
) -> None:
    member = bot.chat(MEMBER)
    await to_the_verdict(member)
    await member.click(OFFER)
    due = FIRST + timedelta(seconds=1)
    # (1 s: the shared rate limiter then really pauses that long, as Telegram asked.)
    bot.api.fail("sendMessage", status=429, retry_after=1, chat_id=MEMBER)
    assert await at(bot, member, due) == []
    assert sorted(r[1] for r in rows(bot)) == [due.timestamp() + 1, SECOND.timestamp()]
    bot.api.fail("sendMessage", status=502, chat_id=MEMBER)
    assert await at(bot, member, due + timedelta(seconds=1)) == []
    assert await at(bot, member, due + timedelta(seconds=60)) == []  # waits a minute
    sent = await at(bot, member, due + timedelta(seconds=62))
    assert len(sent) == 1 and "Rappel" in sent[0].text
    assert [r[1] for r in rows(bot)] == [SECOND.timestamp()]


async def test_past_the_deadline_the_reminder_is_to_notify_now_with_reasons(
    bot: Harness,
) -> None:
    member = bot.chat(MEMBER)
    await to_the_verdict(member, aware="20/02/2026 09:00")
    replies = await member.click(OFFER)
    assert "est passée : notifiez dès maintenant" in replies[-1].text
    assert [r[1] for r in rows(bot)] == [(NOW + reminders.OVERDUE_AFTER).timestamp()]
    sent = await at(bot, member, NOW + timedelta(hours=1, seconds=1))
    assert "l'échéance du 23/02/2026 à 09 h 00 est passée" in sent[0].text
    assert "motifs du retard" in sent[0].text and sent[0].button_texts == [DONE]
    assert rows(bot) == []


async def test_an_english_member_gets_english_reminders(bot: Harness) -> None:
    member = bot.chat(MEMBER, language_code="en")
    await member.send("/notify")
    for label in ["Yes", "My practice's data (controller)", "I cannot rule it out", "No", "No",
                  "Hacker, thief or unknown person", "No, or I don't know", "No, or not sure",
                  "Health, social security no., bank, passwords", "Fewer than 50", "Today",
                  "✅ See the result", "⏰ Remind me before the deadline"]:  # fmt: skip
        await member.click(label)
    assert rows(bot)[0][3] == "en"
    sent = await at(bot, member, FIRST + timedelta(seconds=1))
    assert "Reminder: notify the CNIL before 05/03/2026 at 00:00 (Paris time)" in sent[0].text
    assert sent[0].button_texts == ["✅ Done, the CNIL is notified"]


def test_only_future_reminders_and_no_forged_deadline_far_away(content: Content) -> None:
    now = NOW.timestamp()
    assert reminders.times(now + 30 * 3600, now) == (now + 6 * 3600, now + 26 * 3600)
    assert reminders.times(now + 10 * 3600, now) == (now + 6 * 3600,)
    assert reminders.times(now + 3 * 3600, now) == ()
    far = int((NOW + timedelta(days=30)).timestamp())
    outcome = reminders.press(content, ("on", str(far)), "fr", NOW)
    assert outcome.effects == [] and "expiré" in outcome.replies[0].text
    near = int((NOW + timedelta(hours=2)).timestamp())
    outcome = reminders.press(content, ("on", str(near)), "fr", NOW)
    assert outcome.effects == [] and "moins de 4 heures" in outcome.replies[0].text
    soon = int((NOW + timedelta(hours=30)).timestamp())
    outcome = reminders.press(content, ("on", str(soon)), "fr", NOW)
    assert outcome.effects == [RemindBefore(soon, (soon - 86400.0, soon - 14400.0), "fr")]


async def test_a_reminder_survives_kill_9_between_scheduling_and_sending(
    api: FakeBotApi, content: Content, tmp_path: Path
) -> None:
    """`vigie run` as a real process schedules it, is killed; the next start sends it once."""
    db = tmp_path / "vigie.db"
    process = await start_vigie(api, db)
    member = Chat(api, MEMBER, quiet=0.4, timeout=20)
    try:
        await to_the_verdict(member)
        replies = await member.click(OFFER)
        assert "je vous rappellerai" in replies[-1].text
        process.send_signal(signal.SIGKILL)
        await process.wait()
    finally:
        await stop_vigie(process)

    harness = Harness(api, content, tmp_path)
    scheduled = harness.query("SELECT due_at FROM reminders ORDER BY due_at")
    assert len(scheduled) == 2
    first_due = datetime.fromtimestamp(scheduled[0][0], tz=UTC)
    harness.clock = Clock(first_due + timedelta(seconds=1))
    await harness.start()
    try:
        member.app = harness.app
        sent = await at(harness, member, first_due + timedelta(seconds=1))
        assert len(sent) == 1 and "Rappel" in sent[0].text
        assert await at(harness, member, first_due + timedelta(seconds=30)) == []
        assert len(harness.query("SELECT * FROM reminders")) == 1
    finally:
        await harness.stop()
