"""Stores behind small ports, each with a SQLite and an in-memory implementation.

The same contract tests run against both (tests/test_stores.py). Keys are
pseudonymous (HMAC of the user id); only `SubscriptionStore` holds raw chat ids,
because alerts cannot be sent otherwise and the member asked for them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Protocol

from bot.core.session import Session
from bot.storage.database import Database

log = logging.getLogger("vigie.storage")


@dataclass(frozen=True)
class Subscriber:
    chat_id: int
    lang: str
    categories: tuple[str, ...]
    subscribed_at: str


class SessionStore(Protocol):
    async def get(self, key: str) -> Session | None: ...
    async def put(self, key: str, session: Session) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def purge(self, idle_before: float) -> int: ...
    # After an erasure: leave no copy of what was erased anywhere in the storage.
    async def scrub(self) -> None: ...


class SubscriptionStore(Protocol):
    async def get(self, chat_id: int) -> Subscriber | None: ...
    async def put(self, chat_id: int, lang: str, categories: tuple[str, ...]) -> None: ...
    async def delete(self, chat_id: int) -> bool: ...
    async def all(self, category: str | None = None) -> list[Subscriber]: ...


class StatsStore(Protocol):
    async def count_topic(self, day: str, topic: str, decision: str) -> None: ...
    async def count_event(self, day: str, name: str) -> None: ...
    async def topics(self, since: str) -> list[tuple[str, str, str, int]]: ...
    async def events(self, since: str) -> list[tuple[str, str, int]]: ...


# -- SQLite -------------------------------------------------------------------------------


class SqliteSessions:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, key: str) -> Session | None:
        row = await self.db.fetchone("SELECT data FROM sessions WHERE key = ?", (key,))
        return Session.from_json(str(row[0])) if row else None

    async def put(self, key: str, session: Session) -> None:
        await self.db.write(
            "INSERT INTO sessions (key, data, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
            (key, session.to_json(), session.updated_at),
        )

    async def delete(self, key: str) -> None:
        await self.db.write("DELETE FROM sessions WHERE key = ?", (key,))

    async def purge(self, idle_before: float) -> int:
        return await self.db.write("DELETE FROM sessions WHERE updated_at < ?", (idle_before,))

    async def scrub(self) -> None:
        if not await self.db.scrub():
            log.warning("erased rows are still in the write-ahead log: another process "
                        "is reading the database; they will be scrubbed at the next erasure")


class SqliteSubscriptions:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, chat_id: int) -> Subscriber | None:
        row = await self.db.fetchone(
            "SELECT chat_id, lang, categories, subscribed_at FROM subscriptions WHERE chat_id = ?",
            (chat_id,),
        )
        return _subscriber(row) if row else None

    async def put(self, chat_id: int, lang: str, categories: tuple[str, ...]) -> None:
        await self.db.write(
            "INSERT INTO subscriptions (chat_id, lang, categories, subscribed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(chat_id) DO UPDATE SET "
            "lang = excluded.lang, categories = excluded.categories",
            (chat_id, lang, ",".join(categories), dt.date.today().isoformat()),
        )

    async def remove_gone(self, chat_id: int) -> None:
        """Telegram says the chat is gone (blocked, deleted): drop the subscription; the
        broadcast's delivery row keeps its "unsubscribed" mark until it is purged."""
        if await self.db.write("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,)):
            await self.db.write(  # the anonymous counter of departures (console)
                "INSERT INTO counters VALUES (?, 'alerts_left', 1) ON CONFLICT(day, name) "
                "DO UPDATE SET count = count + 1",
                (dt.datetime.now(dt.UTC).date().isoformat(),),
            )

    async def delete(self, chat_id: int) -> bool:
        """The member leaves: forget the chat id everywhere, in-flight broadcasts included."""
        await self.db.write("DELETE FROM deliveries WHERE chat_id = ?", (chat_id,))
        return await self.db.write("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,)) > 0

    async def all(self, category: str | None = None) -> list[Subscriber]:
        rows = await self.db.fetchall(
            "SELECT chat_id, lang, categories, subscribed_at FROM subscriptions ORDER BY chat_id"
        )
        found = [_subscriber(r) for r in rows]
        return [s for s in found if category is None or category in s.categories]


def _subscriber(row: tuple[object, ...]) -> Subscriber:
    chat_id, lang, categories, since = row
    return Subscriber(
        int(str(chat_id)), str(lang), tuple(c for c in str(categories).split(",") if c), str(since)
    )


class SqliteStats:
    def __init__(self, db: Database):
        self.db = db

    async def count_topic(self, day: str, topic: str, decision: str) -> None:
        await self.db.write(
            "INSERT INTO topic_stats VALUES (?, ?, ?, 1) ON CONFLICT(day, topic, decision) "
            "DO UPDATE SET count = count + 1",
            (day, topic, decision),
        )

    async def count_event(self, day: str, name: str) -> None:
        await self.db.write(
            "INSERT INTO counters VALUES (?, ?, 1) ON CONFLICT(day, name) "
            "DO UPDATE SET count = count + 1",
            (day, name),
        )

    async def topics(self, since: str) -> list[tuple[str, str, str, int]]:
        rows = await self.db.fetchall(
            "SELECT day, topic, decision, count FROM topic_stats WHERE day >= ? "
            "ORDER BY day, topic, decision",
            (since,),
        )
        return [(str(d), str(t), str(c), int(str(n))) for d, t, c, n in rows]

    async def events(self, since: str) -> list[tuple[str, str, int]]:
        rows = await self.db.fetchall(
            "SELECT day, name, count FROM counters WHERE day >= ? ORDER BY day, name", (since,)
        )
        return [(str(d), str(n), int(str(c))) for d, n, c in rows]


# -- in memory (console, tests) -----------------------------------------------------------


class MemorySessions:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    async def get(self, key: str) -> Session | None:
        raw = self.data.get(key)
        return Session.from_json(raw) if raw else None

    async def put(self, key: str, session: Session) -> None:
        self.data[key] = session.to_json()

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)

    async def purge(self, idle_before: float) -> int:
        old = [k for k, v in self.data.items() if Session.from_json(v).updated_at < idle_before]
        for key in old:
            del self.data[key]
        return len(old)

    async def scrub(self) -> None:
        """Nothing outlives a deleted key in memory."""


class MemorySubscriptions:
    def __init__(self) -> None:
        self.data: dict[int, Subscriber] = {}

    async def get(self, chat_id: int) -> Subscriber | None:
        return self.data.get(chat_id)

    async def put(self, chat_id: int, lang: str, categories: tuple[str, ...]) -> None:
        since = (
            self.data[chat_id].subscribed_at
            if chat_id in self.data
            else (dt.date.today().isoformat())
        )
        self.data[chat_id] = Subscriber(chat_id, lang, categories, since)

    async def delete(self, chat_id: int) -> bool:
        return self.data.pop(chat_id, None) is not None

    async def all(self, category: str | None = None) -> list[Subscriber]:
        return [
            s for _, s in sorted(self.data.items()) if category is None or category in s.categories
        ]


class MemoryStats:
    def __init__(self) -> None:
        self.topic_counts: dict[tuple[str, str, str], int] = {}
        self.event_counts: dict[tuple[str, str], int] = {}

    async def count_topic(self, day: str, topic: str, decision: str) -> None:
        key = (day, topic, decision)
        self.topic_counts[key] = self.topic_counts.get(key, 0) + 1

    async def count_event(self, day: str, name: str) -> None:
        self.event_counts[(day, name)] = self.event_counts.get((day, name), 0) + 1

    async def topics(self, since: str) -> list[tuple[str, str, str, int]]:
        return sorted((d, t, c, n) for (d, t, c), n in self.topic_counts.items() if d >= since)

    async def events(self, since: str) -> list[tuple[str, str, int]]:
        return sorted((d, n, c) for (d, n), c in self.event_counts.items() if d >= since)
