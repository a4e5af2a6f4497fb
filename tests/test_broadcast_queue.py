"""The broadcast queue on a real SQLite file: each query's rows, limits and cut-offs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

import pytest

from bot.broadcast.queue import (
    CANCELLED,
    DONE,
    FAILED,
    PAUSED,
    PENDING,
    RUNNING,
    SENT,
    UNSUBSCRIBED,
    BroadcastQueue,
    Delivery,
)
from bot.storage.database import Database

HOUR = 3600.0


async def subscribe(db: Database, chats: Iterable[int], categories: str = "urgent",
                    lang: str = "fr") -> None:
    for chat in chats:
        await db.write(
            "INSERT INTO subscriptions (chat_id, lang, categories, subscribed_at) "
            "VALUES (?, ?, ?, '2026-01-01')",
            (chat, lang, categories),
        )


async def row(db: Database, broadcast_id: int, chat_id: int) -> dict[str, object]:
    found = await db.fetchone(
        "SELECT status, attempts, not_before, last_error, sent_at FROM deliveries "
        "WHERE broadcast_id = ? AND chat_id = ?",
        (broadcast_id, chat_id),
    )
    assert found is not None
    return dict(zip(("status", "attempts", "not_before", "last_error", "sent_at"), found,
                    strict=True))


async def finish(db: Database, broadcast_id: int, status: str, at: float) -> None:
    """The broadcast ended at `at` (set_status stamps the real time)."""
    await db.write("UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ?",
                   (status, at, broadcast_id))


async def test_a_broadcast_records_its_text_category_language_and_creation_time(
    db: Database,
) -> None:
    await subscribe(db, [1, 2])
    queue = BroadcastQueue(db)
    bid = await queue.create("texte", "urgent", lang="en", now=1234.5)
    stored = await db.fetchone(
        "SELECT created_at, status, category, text, lang, total FROM broadcasts WHERE id = ?",
        (bid,))
    assert stored == (1234.5, RUNNING, "urgent", "texte", "en", 2)
    before = time.time()
    later = await queue.create("texte", "urgent")
    info = await queue.info(later)
    assert info is not None and before <= info.created_at <= time.time()
    assert (info.category, info.text) == ("urgent", "texte")
    assert await db.fetchone("SELECT lang FROM broadcasts WHERE id = ?", (later,)) == ("fr",)


async def test_recipients_counts_the_subscribers_of_one_category(db: Database) -> None:
    queue = BroadcastQueue(db)
    assert await queue.recipients("urgent") == 0
    await subscribe(db, [1], "urgent")
    assert await queue.recipients("urgent") == 1
    await subscribe(db, [2], "cnil,urgent")
    await subscribe(db, [3], "cnil")
    assert await queue.recipients("urgent") == 2
    assert await queue.recipients("cnil") == 2


async def test_due_gives_pending_deliveries_whose_time_has_come_oldest_first(
    db: Database,
) -> None:
    await subscribe(db, [30, 10, 20, 40])
    queue = BroadcastQueue(db)
    bid = await queue.create("texte", "urgent")
    await queue.retry_later(bid, 10, 500.0, "busy", count_attempt=False)
    await queue.retry_later(bid, 20, 100.0, "busy", count_attempt=False)
    await queue.retry_later(bid, 40, 100.0, "busy", count_attempt=False)
    await queue.mark(bid, 30, SENT)
    assert [d.chat_id for d in await queue.due(bid, 100.0, 10)] == [20, 40]  # queue order
    assert [d.chat_id for d in await queue.due(bid, 99.0, 10)] == []
    assert [d.chat_id for d in await queue.due(bid, 500.0, 10)] == [20, 40, 10]
    assert [d.chat_id for d in await queue.due(bid, 500.0, 2)] == [20, 40]


async def test_a_delivery_is_in_the_members_language_or_the_broadcasts_once_they_left(
    db: Database,
) -> None:
    await subscribe(db, [1], lang="en")
    await subscribe(db, [2], lang="fr")
    queue = BroadcastQueue(db)
    bid = await queue.create("texte", "urgent", lang="fr")
    await db.write("DELETE FROM subscriptions WHERE chat_id = 1")
    assert await queue.due(bid, time.time(), 10) == [
        Delivery(1, 0, "fr", subscribed=False), Delivery(2, 0, "fr", subscribed=True),
    ]
    await subscribe(db, [1], lang="en")
    assert (await queue.due(bid, time.time(), 10))[0] == Delivery(1, 0, "en", subscribed=True)


async def test_next_due_time_is_the_earliest_pending_delivery(db: Database) -> None:
    await subscribe(db, [1, 2, 3])
    queue = BroadcastQueue(db)
    bid = await queue.create("texte", "urgent")
    await queue.retry_later(bid, 1, 300.0, "busy", count_attempt=False)
    await queue.retry_later(bid, 2, 200.0, "busy", count_attempt=False)
    await queue.retry_later(bid, 3, 100.0, "busy", count_attempt=False)
    await queue.mark(bid, 3, SENT)  # no longer pending: its time no longer counts
    assert await queue.next_due_time(bid) == 200.0
    await queue.mark(bid, 1, FAILED, "no")
    await queue.mark(bid, 2, SENT)
    assert await queue.next_due_time(bid) is None


async def test_mark_records_the_outcome_once_and_the_time_only_of_a_sent_message(
    db: Database,
) -> None:
    await subscribe(db, [1, 2])
    queue = BroadcastQueue(db)
    bid = await queue.create("texte", "urgent")
    await queue.mark(bid, 1, SENT, now=777.0)
    await queue.mark(bid, 2, FAILED, "Bad Request", now=888.0)
    assert await row(db, bid, 1) == {
        "status": SENT, "attempts": 1, "not_before": 0, "last_error": None, "sent_at": 777.0}
    assert await row(db, bid, 2) == {
        "status": FAILED, "attempts": 1, "not_before": 0, "last_error": "Bad Request",
        "sent_at": None}
    await queue.mark(bid, 2, SENT, now=999.0)  # too late: the outcome was recorded
    assert (await row(db, bid, 2))["status"] == FAILED
    before = time.time()
    other = await queue.create("texte", "urgent")
    await queue.mark(other, 1, SENT)
    assert before <= float(str((await row(db, other, 1))["sent_at"])) <= time.time()


async def test_retry_later_sets_the_time_and_the_reason_and_counts_only_real_attempts(
    db: Database,
) -> None:
    await subscribe(db, [1, 2])
    queue = BroadcastQueue(db)
    bid = await queue.create("texte", "urgent")
    await queue.retry_later(bid, 1, 60.0, "429 retry later", count_attempt=False)
    await queue.retry_later(bid, 2, 70.0, "timeout", count_attempt=True)
    await queue.retry_later(bid, 2, 80.0, "timeout again", count_attempt=True)
    assert await row(db, bid, 1) == {
        "status": PENDING, "attempts": 0, "not_before": 60.0, "last_error": "429 retry later",
        "sent_at": None}
    assert await row(db, bid, 2) == {
        "status": PENDING, "attempts": 2, "not_before": 80.0, "last_error": "timeout again",
        "sent_at": None}
    await queue.mark(bid, 1, SENT, now=5.0)
    await queue.retry_later(bid, 1, 90.0, "late", count_attempt=True)  # sent stays sent
    assert await row(db, bid, 1) == {
        "status": SENT, "attempts": 1, "not_before": 60.0, "last_error": None, "sent_at": 5.0}


async def test_requeue_makes_only_that_chats_unsubscribed_delivery_pending_again(
    db: Database,
) -> None:
    await subscribe(db, [1, 2, 3])
    queue = BroadcastQueue(db)
    bid = await queue.create("texte", "urgent")
    other = await queue.create("texte", "urgent")
    for broadcast in (bid, other):
        await queue.mark(broadcast, 1, UNSUBSCRIBED, "blocked")
        await queue.mark(broadcast, 2, UNSUBSCRIBED, "blocked")
    await queue.mark(bid, 3, FAILED, "no")
    await queue.requeue(bid, 1)
    await queue.requeue(bid, 3)  # a failure is not requeued
    assert [(await row(db, bid, c))["status"] for c in (1, 2, 3)] == [
        PENDING, UNSUBSCRIBED, FAILED]
    assert (await row(db, other, 1))["status"] == UNSUBSCRIBED


async def test_only_the_end_of_a_broadcast_is_stamped_with_a_time(db: Database) -> None:
    queue = BroadcastQueue(db)
    bid = await queue.create("texte", "urgent")

    async def finished_at() -> object:
        found = await db.fetchone("SELECT finished_at FROM broadcasts WHERE id = ?", (bid,))
        return found[0] if found else "missing"

    assert await queue.status(bid) == RUNNING
    assert await queue.set_status(bid, PAUSED) is True
    assert await queue.status(bid) == PAUSED
    assert await finished_at() is None
    before = time.time()
    assert await queue.set_status(bid, CANCELLED) is True
    assert before <= float(str(await finished_at())) <= time.time()
    assert await queue.set_status(bid, RUNNING) is False


async def test_a_finished_broadcast_older_than_the_cut_off_keeps_only_its_counts(
    db: Database,
) -> None:
    await subscribe(db, [1, 2, 3])
    queue = BroadcastQueue(db)
    now = time.time()
    old = await queue.create("ancienne", "urgent")
    await queue.mark(old, 1, SENT)
    await queue.mark(old, 2, SENT)
    await queue.mark(old, 3, UNSUBSCRIBED, "blocked")
    await finish(db, old, DONE, now - 2 * HOUR)
    assert await queue.purge_finished(now - HOUR) == 1
    assert await db.fetchall("SELECT chat_id FROM deliveries WHERE broadcast_id = ?",
                             (old,)) == []
    stored = await db.fetchone("SELECT counts FROM broadcasts WHERE id = ?", (old,))
    assert stored is not None and json.loads(str(stored[0])) == {SENT: 2, UNSUBSCRIBED: 1}
    info = await queue.info(old)
    assert info is not None and info.counts == {SENT: 2, UNSUBSCRIBED: 1}
    assert (info.status, info.total, info.text) == (DONE, 3, "ancienne")
    assert await queue.purge_finished(now - HOUR) == 0  # nothing left to purge


async def test_recent_unfinished_and_purged_at_the_cut_off_keep_their_chat_ids(
    db: Database,
) -> None:
    await subscribe(db, [1, 2])
    queue = BroadcastQueue(db)
    now = time.time()
    recent_done = await queue.create("récente", "urgent")
    await finish(db, recent_done, DONE, now - HOUR / 2)
    at_cut_off = await queue.create("à la limite", "urgent")
    await finish(db, at_cut_off, CANCELLED, now - HOUR)
    paused = await queue.create("en pause", "urgent")
    await finish(db, paused, PAUSED, now - 2 * HOUR)
    running = await queue.create("en cours", "urgent")
    old_cancelled = await queue.create("annulée", "urgent")
    await finish(db, old_cancelled, CANCELLED, now - 3 * HOUR)

    assert await queue.purge_finished(now - HOUR) == 1
    kept = {int(str(r[0])) for r in await db.fetchall("SELECT broadcast_id FROM deliveries")}
    assert kept == {recent_done, at_cut_off, paused, running}
    info = await queue.info(old_cancelled)
    assert info is not None and info.counts == {PENDING: 2}


async def test_purging_leaves_nothing_to_purge_when_no_broadcast_ended(db: Database) -> None:
    queue = BroadcastQueue(db)
    assert await queue.purge_finished(time.time()) == 0


async def test_an_unknown_broadcast_has_no_status_and_no_info(db: Database) -> None:
    queue = BroadcastQueue(db)
    assert await queue.status(404) is None
    assert await queue.info(404) is None


async def test_counts_are_live_per_status_until_the_purge(db: Database) -> None:
    await subscribe(db, [1, 2, 3, 4])
    queue = BroadcastQueue(db)
    bid = await queue.create("texte", "urgent")
    await queue.mark(bid, 1, SENT)
    await queue.mark(bid, 2, FAILED, "no")
    await queue.mark(bid, 3, SENT)
    info = await queue.info(bid)
    assert info is not None
    assert info.counts == {SENT: 2, FAILED: 1, PENDING: 1} and info.remaining == 1
    await queue.mark(bid, 4, SENT)
    info = await queue.info(bid)
    assert info is not None and info.remaining == 0


async def test_recent_lists_the_newest_broadcasts_first(db: Database) -> None:
    await subscribe(db, [1])
    queue = BroadcastQueue(db)
    ids = [await queue.create(f"alerte {n}", "urgent") for n in range(12)]
    await queue.mark(ids[-1], 1, SENT)
    recent = await queue.recent()
    assert [b.id for b in recent] == ids[::-1][:10]
    assert recent[0].text == "alerte 11" and recent[0].counts == {SENT: 1}
    assert [b.id for b in await queue.recent(limit=2)] == [ids[11], ids[10]]
    assert await BroadcastQueue(db).recent(limit=0) == []


@pytest.mark.parametrize("status", [PAUSED, DONE, CANCELLED])
async def test_only_running_broadcasts_are_unfinished_in_creation_order(
    db: Database, status: str
) -> None:
    queue = BroadcastQueue(db)
    first, second, third = [await queue.create("texte", "urgent") for _ in range(3)]
    await queue.set_status(second, status)
    assert await queue.unfinished() == [first, third]
