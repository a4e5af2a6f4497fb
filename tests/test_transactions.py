"""Write transactions on the one shared SQLite connection do not interleave.

Every coroutine of the bot uses the same aiosqlite connection. A multi-statement write
(`BEGIN IMMEDIATE ... COMMIT`) spans several awaits: without serialisation, another
member's statement runs inside it and is rolled back with it, and two such transactions
collide ("cannot start a transaction within a transaction").
"""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

from bot.broadcast.queue import BroadcastQueue
from bot.service import Vigie
from bot.storage.database import Database
from tests.corechat import CoreChat


async def subscriptions(db: Database) -> set[int]:
    return {int(str(r[0])) for r in await db.fetchall("SELECT chat_id FROM subscriptions")}


async def test_a_members_oubli_during_a_failing_broadcast_creation_stays_erased(
    service: Vigie, db: Database
) -> None:
    member = CoreChat(service, user_id=7001)
    await member.send("/alertes")  # subscribes to the default category, urgent
    assert await subscriptions(db) == {7001}
    # A real SQLite failure at the last statement of BroadcastQueue.create (think: disk full).
    await db.conn.execute(
        "CREATE TRIGGER total_fails BEFORE UPDATE OF total ON broadcasts "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
    )

    # Start the creation exactly when /oubli has erased the session and is about to erase
    # the subscription (SQLite's own statement trace tells when), so that the member's
    # statements and the creation's transaction overlap.
    loop = asyncio.get_running_loop()
    queue = BroadcastQueue(db)
    creation: list[asyncio.Future[int]] = []

    def start_creation() -> None:
        creation.append(asyncio.ensure_future(queue.create("Alerte", "urgent")))

    def trace(statement: str) -> None:
        if statement.startswith("DELETE FROM sessions") and not creation:
            loop.call_soon_threadsafe(start_creation)

    await db.conn.set_trace_callback(trace)
    replies = await member.send("/oubli")
    await db.conn.set_trace_callback(None)
    assert creation, "/oubli never erased the session"
    with pytest.raises(sqlite3.IntegrityError, match="simulated failure"):
        await creation[0]

    assert "effacé" in member.text, [r.text for r in replies]
    assert await subscriptions(db) == set()  # the member was told "erased": it is
    assert await db.fetchall("SELECT id FROM broadcasts") == []


async def test_creating_and_purging_broadcasts_at_the_same_time_both_succeed(
    db: Database,
) -> None:
    await db.conn.executemany(
        "INSERT INTO subscriptions (chat_id, lang, categories, subscribed_at) "
        "VALUES (?, 'fr', 'urgent', '2026-01-01')",
        [(chat,) for chat in range(1, 51)],
    )
    queue = BroadcastQueue(db)
    finished = [await queue.create(f"ancienne {i}", "urgent") for i in range(3)]
    for bid in finished:
        await queue.set_status(bid, "done")

    purged, created = await asyncio.gather(
        queue.purge_finished(time.time() + 1), queue.create("nouvelle", "urgent")
    )

    assert purged == 3
    info = await queue.info(created)
    assert info is not None and info.total == 50 and info.counts == {"pending": 50}
    rows = await db.fetchall("SELECT DISTINCT broadcast_id FROM deliveries")
    assert rows == [(created,)]
    for bid in finished:
        old = await queue.info(bid)
        assert old is not None and old.counts == {"pending": 50}
