"""When the practice became aware of a breach, and the 72-hour deadline from it.

Times are shown in Europe/Paris. When a member only says "today" or
"yesterday", we count from midnight of that day: the deadline shown can only
be earlier than the real one, never later (the safe side for a legal delay).
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


class DateError(ValueError):
    """A typed date that is not valid, or in the future."""


def preset_datetime(preset: str, now: datetime) -> datetime:
    """Midnight (Paris) of the day the preset names."""
    days = PRESETS[preset]
    local = now.astimezone(PARIS) - timedelta(days=days)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def parse_typed(text: str, now: datetime) -> datetime:
    """Parse JJ/MM/AAAA [HH:MM] (or an ISO date-time) typed by a member; never in the future."""
    text = text.strip()
    if _ISO.match(text):
        when = parse_iso(text)
    else:
        found = _DATE.match(text)
        if not found:
            raise DateError("format")
        day, month, year, hour, minute = found.groups()
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        try:
            when = _sane(
                datetime(
                    full_year, int(month), int(day), int(hour or 0), int(minute or 0), tzinfo=PARIS
                )
            )
        except ValueError as exc:
            raise DateError("invalid") from exc
    # Both forms, compared as instants (UTC).
    if when.astimezone(UTC) > now.astimezone(UTC) + timedelta(minutes=5):
        raise DateError("future")
    return when


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

    def as_iso(self) -> str:
        return self.due.astimezone(PARIS).isoformat()


def deadline(aware_at: datetime, now: datetime, hours: int = 72) -> Deadline:
    """`hours` elapsed hours after awareness, shown in Paris time.

    Computed on UTC instants: the same moment gives the same deadline whether it
    is written with an offset or in Paris time (arithmetic on a Europe/Paris
    datetime would follow the wall clock, 71 or 73 real hours across a change of
    legal time).
    """
    due = aware_at.astimezone(UTC) + timedelta(hours=hours)
    now_utc = now.astimezone(UTC)
    return Deadline(aware_at, due.astimezone(PARIS), now_utc >= due, due - now_utc)


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
