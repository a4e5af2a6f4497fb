"""The optional log of unmatched questions: off by default, redacted, expiring.

An operator turns it on with VIGIE_UNMATCHED_LOG=1 to learn which phrasings
to add. Text is redacted before it reaches this module and every entry is
deleted after `keep_days` (at most 30).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.core.text import normalise
from bot.storage.database import Database


@dataclass(frozen=True)
class UnmatchedGroup:
    example: str
    count: int
    lang: str


class UnmatchedLog:
    def __init__(self, db: Database, keep_days: int = 30):
        self.db = db
        self.keep_seconds = min(keep_days, 30) * 86400

    async def add(self, redacted: str, lang: str, now: float) -> None:
        await self.db.write(
            "INSERT INTO unmatched (lang, text, created_at) VALUES (?, ?, ?)",
            (lang, redacted[:500], now),
        )

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
        rows = await self.db.fetchall("SELECT text, lang FROM unmatched ORDER BY created_at")
        groups: list[tuple[str, str, str, int]] = []  # normalised, example, lang, count
        for text, lang in rows:
            norm = normalise(str(text))
            for i, (g_norm, example, g_lang, count) in enumerate(groups):
                if fuzz.token_set_ratio(norm, g_norm) >= similarity:
                    groups[i] = (g_norm, example, g_lang, count + 1)
                    break
            else:
                groups.append((norm, str(text), str(lang), 1))
        groups.sort(key=lambda g: -g[3])
        return [UnmatchedGroup(example, count, lang) for _, example, lang, count in groups]
