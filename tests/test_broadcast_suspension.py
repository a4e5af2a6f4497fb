"""A broadcast that pauses itself, with a scripted sender on virtual time (no HTTP): every
chat "gone" before any message was accepted, or a text Telegram refuses for everyone."""

from __future__ import annotations

import logging

import pytest

from bot.broadcast.guard import Suspension
from bot.broadcast.limiter import RateLimiter
from bot.broadcast.queue import PAUSED, PENDING, SENT, UNSUBSCRIBED, BroadcastQueue
from bot.broadcast.sender import Broadcaster, Gone, RetryLater, TextRefused
from bot.storage.database import Database
from bot.storage.stores import SqliteSubscriptions
from tests.test_broadcast import (  # noqa: F401  (vtime is a fixture)
    ScriptedSender,
    VirtualTime,
    deliveries,
    finish,
    start_broadcast,
    subscribed,
    vtime,
)


def looped(db: Database, queue: BroadcastQueue, sender: ScriptedSender, clock: VirtualTime,
           quorum: int) -> Broadcaster:
    return Broadcaster(queue, sender, RateLimiter(1000, clock=clock),
                       unsubscribe=SqliteSubscriptions(db).remove_gone, clock=clock,
                       concurrency=1, gone_quorum=quorum)


async def test_the_first_results_all_gone_pause_the_broadcast_and_keep_every_subscription(
    db: Database, vtime: VirtualTime, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1, 2, 3, 4])
    sender = ScriptedSender(vtime, {chat: [Gone("Forbidden: chat not found")] for chat in
                                    (1, 2, 3, 4)})
    loop = looped(db, queue, sender, vtime, quorum=3)
    with caplog.at_level(logging.WARNING, logger="vigie.broadcast"):
        final = await finish(loop, bid)
    assert final is not None and final.status == PAUSED and final.counts == {PENDING: 4}
    assert loop.suspension == Suspension("gone", 3)
    assert await subscribed(db) == {1, 2, 3, 4}
    assert [r.getMessage() for r in caplog.records] == [
        f"broadcast {bid} paused by itself: gone"]


async def test_a_text_telegram_refuses_pauses_the_broadcast_at_once_with_its_reason(
    db: Database, vtime: VirtualTime, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1, 2])
    sender = ScriptedSender(vtime, {1: [TextRefused("Bad Request: message is too long")]})
    loop = looped(db, queue, sender, vtime, quorum=20)
    with caplog.at_level(logging.WARNING, logger="vigie.broadcast"):
        final = await finish(loop, bid)
    assert final is not None and final.status == PAUSED
    assert loop.suspension == Suspension("refused",
                                         description="Bad Request: message is too long")
    rows = await deliveries(db, bid)
    assert rows[1] == (PENDING, 0, "Bad Request: message is too long")  # to redo on resume
    assert [r.getMessage() for r in caplog.records] == [
        f"broadcast {bid} paused by itself: refused"]


async def test_a_gone_chat_after_an_accepted_message_is_unsubscribed_without_pausing(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1, 2])
    sender = ScriptedSender(vtime, {2: [Gone("Forbidden: bot was blocked by the user")]})
    loop = looped(db, queue, sender, vtime, quorum=20)
    final = await finish(loop, bid)
    assert final is not None and final.counts == {SENT: 1, UNSUBSCRIBED: 1}
    assert loop.suspension is None
    assert await subscribed(db) == {1}


def test_a_429_says_how_long_to_wait_in_whole_seconds() -> None:
    wait = RetryLater(2.6)
    assert str(wait) == "retry after 3 s" and wait.seconds == 2.6
