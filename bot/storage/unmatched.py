"""The optional log of unmatched questions: off by default, redacted, expiring, bounded.

An operator turns it on with VIGIE_UNMATCHED_LOG=1 to learn which phrasings
to add. Text is redacted before it reaches this module and every entry is
deleted after `keep_days` (at most 30). So that a flood cannot fill the disk,
a question already logged today is not logged again, one member's questions
are logged at most `PER_MEMBER_PER_HOUR` times an hour (counted in memory, by
pseudonymous key), and the log holds at most `MAX_ROWS_PER_DAY` new rows a
day and `MAX_ROWS` in all.
"""

from __future__ import annotations

from collections import deque

from rapidfuzz import fuzz

from bot.core.matching.text import normalise
from bot.storage.database import Database
from bot.storage.unmatched_groups import UnmatchedGroup, group_questions

__all__ = ["UnmatchedGroup", "UnmatchedLog"]

MAX_TEXT_CHARS = 500
MAX_ROWS_PER_DAY = 1000
MAX_ROWS = 10_000
PER_MEMBER_PER_HOUR = 10
_TRACKED_MEMBERS = 10_000


class UnmatchedLog:
    def __init__(self, db: Database, keep_days: int = 30):
        self.db = db
        self.keep_seconds = min(keep_days, 30) * 86400
        self._recent: dict[str, deque[float]] = {}

    async def add(self, redacted: str, lang: str, now: float, member: str | None = None) -> bool:
        """Log one redacted question; False when a limit or a duplicate kept it out."""
        if member is not None and not self._member_allowed(member, now):
            return False
        text = redacted[:MAX_TEXT_CHARS]
        today = now - now % 86400
        row = await self.db.fetchone(
            "SELECT COUNT(*), COALESCE(SUM(created_at >= ?), 0), "
            "COALESCE(SUM(created_at >= ? AND lang = ? AND text = ?), 0) FROM unmatched",
            (today, today, lang, text),
        )
        total, today_rows, duplicates = (int(str(v)) for v in row or (0, 0, 0))
        if duplicates or today_rows >= MAX_ROWS_PER_DAY or total >= MAX_ROWS:
            return False
        await self.db.write(
            "INSERT INTO unmatched (lang, text, created_at) VALUES (?, ?, ?)", (lang, text, now)
        )
        return True

    def _member_allowed(self, member: str, now: float) -> bool:
        if len(self._recent) > _TRACKED_MEMBERS:
            self._recent = {k: v for k, v in self._recent.items() if v and v[-1] > now - 3600}
        times = self._recent.setdefault(member, deque())
        while times and times[0] <= now - 3600:
            times.popleft()
        if len(times) >= PER_MEMBER_PER_HOUR:
            return False
        times.append(now)
        return True

    async def purge(self, now: float) -> int:
        return await self.db.write(
            "DELETE FROM unmatched WHERE created_at < ?", (now - self.keep_seconds,)
        )

    async def dismiss(self, example: str, similarity: float = 70.0) -> int:
        """Delete every entry that `groups` would put with `example`; how many."""
        norm = normalise(example)
        rows = await self.db.fetchall("SELECT rowid, text FROM unmatched")
        ids = [
            (int(str(rowid)),)
            for rowid, text in rows
            if fuzz.token_set_ratio(normalise(str(text)), norm) >= similarity
        ]
        for one in ids:
            await self.db.write("DELETE FROM unmatched WHERE rowid = ?", one)
        if ids:
            await self.db.scrub()  # no copy of the dismissed questions left in the WAL
        return len(ids)

    async def groups(self, similarity: float = 70.0) -> list[UnmatchedGroup]:
        """Similar questions together, most frequent first, so editors add one phrasing each."""
        rows = await self.db.fetchall(
            "SELECT text, lang FROM unmatched ORDER BY created_at LIMIT ?", (MAX_ROWS,)
        )
        return group_questions(((str(t), str(lang)) for t, lang in rows), similarity)
