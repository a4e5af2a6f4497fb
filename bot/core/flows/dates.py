"""When the practice became aware of a breach, and the 72-hour deadline from it.

Times are shown in Europe/Paris. When a member only says "today" or
"yesterday" without a time, the answer is recorded as that day alone (an ISO
date, not a date-time): the deadline counts from midnight of that day, which
can only be earlier than the real one, never later (the safe side for a legal
delay), and the drafts say "time not given" rather than inventing 00:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
PRESETS: dict[str, int] = {"today": 0, "yesterday": 1, "day_before": 2, "three_days": 3}
OTHER = "other"
MIN_YEAR, MAX_YEAR = 1900, 2999
_DATE = re.compile(
    r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:\s*(?:a|à|at|,)?\s*(\d{1,2})\s*[:hH]\s*(\d{2})?)?\s*$"
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
# "hier 18h", "aujourd'hui à 9h30", "yesterday at 18:00": a day word, then an optional time.
_TIME_AT_END = re.compile(r"(?:^|\s)(?:à|a|at|vers|vers\s+)?\s*(\d{1,2})\s*(?:[h:]\s*(\d{2})?)$")
DAY_WORDS: dict[str, int] = {
    **dict.fromkeys(["aujourd'hui", "aujourdhui", "auj", "ce matin", "ce midi", "ce soir",
                     "cet après-midi", "cet apres-midi", "today", "this morning", "tonight"], 0),
    **dict.fromkeys(["hier", "hier matin", "hier midi", "hier soir", "hier après-midi",
                     "hier apres-midi", "yesterday", "last night", "yesterday morning",
                     "yesterday evening"], 1),
    **dict.fromkeys(["avant-hier", "avant hier", "the day before yesterday"], 2),
}
# Longer input is not a date: refused before any pattern runs (review L3: bounded work).
MAX_TYPED_DATE = 40


class DateError(ValueError):
    """A typed date that is not valid, or in the future."""


@dataclass(frozen=True)
class Moment:
    """When the practice became aware: a Paris date-time, or a day whose time is not known."""

    when: datetime
    exact: bool

    def iso(self) -> str:
        return self.when.isoformat() if self.exact else self.when.date().isoformat()


def is_exact(value: str) -> bool:
    """Whether a stored `aware_at` names a time of day (an ISO date alone does not)."""
    return "T" in value or " " in value.strip()


def preset_moment(preset: str, now: datetime) -> Moment:
    """The day the preset names (Paris), without a time of day."""
    return Moment(_day(now, PRESETS[preset]), exact=False)


def preset_datetime(preset: str, now: datetime) -> datetime:
    """Midnight (Paris) of the day the preset names."""
    return preset_moment(preset, now).when


def _day(now: datetime, days_ago: int) -> datetime:
    local = now.astimezone(PARIS) - timedelta(days=days_ago)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def parse_typed(text: str, now: datetime) -> datetime:
    """Parse what a member typed (see `parse_moment`) into a Paris date-time."""
    return parse_moment(text, now).when


def parse_moment(text: str, now: datetime) -> Moment:
    """JJ/MM/AAAA [HH:MM], an ISO date-time, or "hier 18h"-like words; never in the future."""
    text = " ".join(text.split())
    if len(text) > MAX_TYPED_DATE:
        raise DateError("format")
    if _ISO.match(text):
        when = parse_iso(text)
        moment = Moment(when, exact=is_exact(text))
    else:
        moment = _relative(text.lower(), now) or _numeric(text)
    # Both forms, compared as instants (UTC).
    if moment.when.astimezone(UTC) > now.astimezone(UTC) + timedelta(minutes=5):
        raise DateError("future")
    return moment


def _numeric(text: str) -> Moment:
    found = _DATE.match(text)
    if not found:
        raise DateError("format")
    day, month, year, hour, minute = found.groups()
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    try:
        clock = (int(hour or 0), int(minute or 0))
        when = _sane(datetime(full_year, int(month), int(day), *clock, tzinfo=PARIS))
    except ValueError as exc:
        raise DateError("invalid") from exc
    return Moment(when, exact=hour is not None)


def _relative(text: str, now: datetime) -> Moment | None:
    time = _TIME_AT_END.search(text)
    words = text[: time.start()].strip() if time else text
    if words not in DAY_WORDS:
        return None
    day = _day(now, DAY_WORDS[words])
    if time is None:
        return Moment(day, exact=False)
    hour, minute = int(time.group(1)), int(time.group(2) or 0)
    if hour > 23 or minute > 59:
        raise DateError("invalid")
    return Moment(day.replace(hour=hour, minute=minute), exact=True)


def parse_iso(text: str) -> datetime:
    """ISO 8601; a naive value is Europe/Paris time."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise DateError("invalid") from exc
    return _sane(when if when.tzinfo else when.replace(tzinfo=PARIS))


def _sane(when: datetime) -> datetime:
    """Refuse years no breach can have: year 1 or 9999 overflow when shifted by an offset."""
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        raise DateError("invalid")
    return when


@dataclass(frozen=True)
class Deadline:
    aware_at: datetime
    due: datetime
    overdue: bool
    remaining: timedelta
    # False when only the day of awareness is known: counted from its midnight.
    exact: bool = True

    def as_iso(self) -> str:
        return self.due.astimezone(PARIS).isoformat()


def deadline(aware_at: datetime, now: datetime, hours: int = 72, exact: bool = True) -> Deadline:
    """`hours` elapsed hours after awareness, shown in Paris time.

    Computed on UTC instants: the same moment gives the same deadline whether it
    is written with an offset or in Paris time (arithmetic on a Europe/Paris
    datetime would follow the wall clock, 71 or 73 real hours across a change of
    legal time).
    """
    due = aware_at.astimezone(UTC) + timedelta(hours=hours)
    now_utc = now.astimezone(UTC)
    return Deadline(aware_at, due.astimezone(PARIS), now_utc >= due, due - now_utc, exact)


def format_day(when: datetime, lang: str) -> str:
    """A day whose time is not known: never shown as 00:00."""
    day = when.astimezone(PARIS).strftime("%d/%m/%Y")
    return f"{day} (time not given)" if lang == "en" else f"{day} (heure non précisée)"


def format_local(when: datetime, lang: str) -> str:
    local = when.astimezone(PARIS)
    if lang == "en":
        return local.strftime("%d/%m/%Y at %H:%M") + " (Paris time)"
    return local.strftime("%d/%m/%Y à %H h %M")


def format_remaining(delta: timedelta, lang: str) -> str:
    total = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(total, 60)
    if lang == "en":
        return f"{hours} h {minutes:02d} min"
    return f"{hours} h {minutes:02d}"
