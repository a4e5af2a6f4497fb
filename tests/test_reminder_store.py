"""The reminders table on a real SQLite file: scheduled, due, sent, postponed, cancelled."""

from __future__ import annotations

from bot.storage.database import Database
from bot.storage.reminders import Reminder, ReminderStore

DEADLINE = 100_000.0


async def stored(db: Database) -> list[tuple[object, ...]]:
    return await db.fetchall(
        "SELECT chat_id, due_at, deadline, lang FROM reminders ORDER BY chat_id, due_at")


async def test_scheduling_replaces_the_chats_reminders_and_keeps_the_others(db: Database) -> None:
    store = ReminderStore(db)
    await store.schedule(1, DEADLINE, (10.0, 20.0), "fr")
    await store.schedule(2, DEADLINE, (15.0,), "en")
    await store.schedule(1, 2 * DEADLINE, (30.0, 40.0, 50.0), "en")
    assert await stored(db) == [
        (1, 30.0, 2 * DEADLINE, "en"), (1, 40.0, 2 * DEADLINE, "en"), (1, 50.0, 2 * DEADLINE, "en"),
        (2, 15.0, DEADLINE, "en"),
    ]


async def test_due_reminders_come_earliest_first_up_to_the_limit(db: Database) -> None:
    store = ReminderStore(db)
    await store.schedule(1, DEADLINE, (30.0, 10.0), "fr")
    await store.schedule(2, DEADLINE, (20.0,), "en")
    assert await store.due(9.0) == []
    assert await store.due(20.0) == [
        Reminder(1, 10.0, DEADLINE, "fr"), Reminder(2, 20.0, DEADLINE, "en"),
    ]
    assert [r.due_at for r in await store.due(100.0, limit=2)] == [10.0, 20.0]
    assert [r.due_at for r in await store.due(100.0)] == [10.0, 20.0, 30.0]


async def test_a_sent_reminder_is_deleted_and_only_that_one(db: Database) -> None:
    store = ReminderStore(db)
    await store.schedule(1, DEADLINE, (10.0, 20.0), "fr")
    await store.schedule(2, DEADLINE, (10.0,), "fr")
    assert await store.sent(Reminder(1, 10.0, DEADLINE, "fr")) == 1
    assert await store.sent(Reminder(1, 10.0, DEADLINE, "fr")) == 0
    assert await stored(db) == [(1, 20.0, DEADLINE, "fr"), (2, 10.0, DEADLINE, "fr")]


async def test_a_postponed_reminder_moves_unless_the_chat_has_one_then(db: Database) -> None:
    store = ReminderStore(db)
    await store.schedule(1, DEADLINE, (10.0, 20.0), "fr")
    await store.schedule(2, DEADLINE, (10.0,), "fr")
    await store.postpone(Reminder(1, 10.0, DEADLINE, "fr"), 15.0)
    await store.postpone(Reminder(1, 20.0, DEADLINE, "fr"), 15.0)  # taken: left as it was
    assert await stored(db) == [
        (1, 15.0, DEADLINE, "fr"), (1, 20.0, DEADLINE, "fr"), (2, 10.0, DEADLINE, "fr"),
    ]


async def test_cancelling_erases_the_chats_reminders_and_says_how_many(db: Database) -> None:
    store = ReminderStore(db)
    await store.schedule(1, DEADLINE, (10.0, 20.0), "fr")
    await store.schedule(2, DEADLINE, (10.0,), "fr")
    assert await store.cancel(1) == 2
    assert await store.cancel(1) == 0
    await store.scrub()
    assert await stored(db) == [(2, 10.0, DEADLINE, "fr")]


async def test_due_reminders_come_a_hundred_at_a_time_by_default(db: Database) -> None:
    store = ReminderStore(db)
    await store.schedule(1, DEADLINE, tuple(float(t) for t in range(1, 102)), "fr")
    due = await store.due(1000.0)
    assert [r.due_at for r in due] == [float(t) for t in range(1, 101)]
