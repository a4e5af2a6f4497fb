"""A broadcast that pauses itself, with a scripted sender on virtual time (no HTTP): every
chat "gone" before any message was accepted, or a text Telegram refuses for everyone."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

import bot.broadcast.limiter as limiter_module
import bot.broadcast.sender as sender_module
from bot.broadcast.guard import Suspension
from bot.broadcast.limiter import RateLimiter
from bot.broadcast.queue import FAILED, PAUSED, PENDING, SENT, UNSUBSCRIBED, BroadcastQueue
from bot.broadcast.sender import (
    Broadcaster,
    Gone,
    Permanent,
    Progress,
    RetryLater,
    TextRefused,
    Transient,
)
from bot.storage.database import Database
from bot.storage.stores import SqliteSubscriptions
from tests.test_broadcast import (  # noqa: F401  (vtime is a fixture)
    ScriptedSender,
    VirtualTime,
    _AsyncioOnVirtualTime,
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
    reports: list[Progress] = []

    async def report(progress: Progress) -> None:
        reports.append(progress)

    with caplog.at_level(logging.WARNING, logger="vigie.broadcast"):
        final = await asyncio.wait_for(loop.run(bid, on_progress=report), 10)
    assert final is not None and final.status == PAUSED and final.counts == {PENDING: 4}
    assert loop.suspension == Suspension("gone", 3)
    assert len(reports) == 2 and all(r.suspension == loop.suspension for r in reports)
    assert await subscribed(db) == {1, 2, 3, 4}
    assert [r.getMessage() for r in caplog.records] == [
        f"broadcast {bid} paused by itself: gone"]


async def test_a_text_telegram_refuses_pauses_the_broadcast_at_once_with_its_reason(
    db: Database, vtime: VirtualTime, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1, 2])
    sender = ScriptedSender(vtime, {1: [TextRefused("Bad Request: message is too long")]})
    loop = looped(db, queue, sender, vtime, quorum=20)
    reports: list[Progress] = []

    async def report(progress: Progress) -> None:
        reports.append(progress)

    with caplog.at_level(logging.WARNING, logger="vigie.broadcast"):
        final = await asyncio.wait_for(loop.run(bid, on_progress=report), 10)
    assert final is not None and final.status == PAUSED
    assert reports[-1].sent_this_run == 0 and reports[-1].suspension == loop.suspension
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
    assert sender.texts == [(1, "alerte", "fr")]


def test_a_429_says_how_long_to_wait_in_whole_seconds() -> None:
    wait = RetryLater(2.6)
    assert str(wait) == "retry after 3 s" and wait.seconds == 2.6


def watched(db: Database, queue: BroadcastQueue, sender: ScriptedSender, clock: VirtualTime,
            **options: object) -> Broadcaster:
    return Broadcaster(queue, sender, RateLimiter(1000, clock=clock),
                       unsubscribe=SqliteSubscriptions(db).remove_gone, clock=clock,
                       concurrency=1, **options)  # type: ignore[arg-type]


async def test_progress_counts_only_the_messages_telegram_accepted(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1, 2, 3, 4, 5])
    sender = ScriptedSender(vtime, {
        2: [RetryLater(1.0)], 3: [Gone("Forbidden: bot was blocked by the user")],
        4: [Transient("Bad Gateway")], 5: [Permanent("Bad Request: chat not found")],
    })
    reports: list[Progress] = []

    async def report(progress: Progress) -> None:
        reports.append(progress)

    loop = watched(db, queue, sender, vtime, gone_quorum=0)
    final = await asyncio.wait_for(loop.run(bid, on_progress=report), 10)
    assert final is not None and final.counts == {SENT: 3, UNSUBSCRIBED: 1, FAILED: 1}
    assert reports[-1].sent_this_run == 3
    assert sorted(sender.texts) == [(1, "alerte", "fr"), (2, "alerte", "fr"), (4, "alerte", "fr")]


async def row_at_first_report(
    db: Database, queue: BroadcastQueue, bid: int, sender: ScriptedSender, clock: VirtualTime
) -> tuple[object, ...]:
    """Runs the broadcast; its one delivery's (status, attempts, not_before, last_error)
    as they are when the first progress report comes, after the first attempt."""
    seen: list[tuple[object, ...] | None] = []

    async def report(progress: Progress) -> None:
        if not seen:
            seen.append(await db.fetchone(
                "SELECT status, attempts, not_before, last_error FROM deliveries"))

    await asyncio.wait_for(watched(db, queue, sender, clock).run(bid, on_progress=report), 10)
    assert seen and seen[0] is not None
    return seen[0]


async def test_a_429_puts_the_message_back_for_the_time_telegram_asked(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1])
    sender = ScriptedSender(vtime, {1: [RetryLater(2.5)]})
    start = vtime.now
    status, attempts, not_before, error = await row_at_first_report(db, queue, bid, sender, vtime)
    assert (status, attempts, error) == (PENDING, 0, "429 retry later")
    assert float(str(not_before)) == pytest.approx(sender.attempts[1][0] + 2.5)
    assert sender.attempts[1][1] == pytest.approx(sender.attempts[1][0] + 2.5)  # not later
    assert sender.attempts[1][0] == start


async def test_transient_failures_back_off_doubling_up_to_a_minute(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1])
    sender = ScriptedSender(vtime, {1: [Transient("Timed out")] * 8})
    loop = watched(db, queue, sender, vtime, max_attempts=10)
    final = await asyncio.wait_for(loop.run(bid), 10)
    assert final is not None and final.counts == {SENT: 1}
    times = sender.attempts[1]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == pytest.approx([1, 2, 4, 8, 16, 32, 60, 60])


async def test_a_sent_message_is_stamped_with_the_broadcasts_clock(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1])
    sender = ScriptedSender(vtime)
    await asyncio.wait_for(watched(db, queue, sender, vtime).run(bid), 10)
    sent_at = await db.fetchone("SELECT sent_at FROM deliveries")
    assert sent_at is not None and float(str(sent_at[0])) == pytest.approx(vtime.now)


async def test_chats_gone_before_the_first_accepted_message_are_unsubscribed_after_it(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1, 2, 3])
    sender = ScriptedSender(vtime, {1: [Gone("Forbidden: bot was blocked by the user")]})
    final = await asyncio.wait_for(watched(db, queue, sender, vtime).run(bid), 10)
    assert final is not None and final.counts == {SENT: 2, UNSUBSCRIBED: 1}
    assert await subscribed(db) == {2, 3}


async def test_a_member_who_left_after_the_broadcast_was_queued_is_skipped(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1, 2])
    await SqliteSubscriptions(db).remove_gone(2)
    reports: list[Progress] = []

    async def report(progress: Progress) -> None:
        reports.append(progress)

    sender = ScriptedSender(vtime)
    await asyncio.wait_for(watched(db, queue, sender, vtime).run(bid, on_progress=report), 10)
    assert sender.accepted == [1] and reports[-1].sent_this_run == 1
    assert (await deliveries(db, bid))[2] == (UNSUBSCRIBED, 1, "unsubscribed before delivery")


async def test_chats_held_as_gone_are_unsubscribed_when_the_run_ends_without_pausing(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1, 2])
    sender = ScriptedSender(vtime, {1: [Gone("Forbidden: bot was blocked by the user")],
                                    2: [Permanent("Bad Request: chat not found")]})
    final = await asyncio.wait_for(watched(db, queue, sender, vtime).run(bid), 10)
    assert final is not None and final.counts == {UNSUBSCRIBED: 1, FAILED: 1}
    assert await subscribed(db) == {2}


class AnsweredWithinASecond(VirtualTime):
    """Virtual time that moves to the next turn only once the message in flight was
    answered: at one message a second, Telegram answers each one before the next turn."""

    def __init__(self) -> None:
        super().__init__()
        self.answered = asyncio.Event()

    async def sleep(self, seconds: float, result: object = None) -> object:
        await self.answered.wait()
        self.answered.clear()
        return await super().sleep(seconds, result)


class AnsweringSender(ScriptedSender):
    clock: AnsweredWithinASecond

    async def send(self, chat_id: int, text: str, lang: str) -> None:
        try:
            await super().send(chat_id, text, lang)
        finally:
            self.clock.answered.set()


async def test_a_pause_during_a_batch_stops_before_the_next_message(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = AnsweredWithinASecond()
    monkeypatch.setattr(sender_module, "asyncio", _AsyncioOnVirtualTime(clock))
    monkeypatch.setattr(limiter_module, "asyncio", _AsyncioOnVirtualTime(clock))
    # One message a second: most of the batch waits for its turn when the admin pauses.
    queue, bid = await start_broadcast(db, range(1, 41))

    async def pause_after_two(accepted: int) -> None:
        if accepted == 2:
            await queue.set_status(bid, PAUSED)

    sender = AnsweringSender(clock, on_accept=pause_after_two)
    loop = Broadcaster(queue, sender, RateLimiter(1, clock=clock),
                       unsubscribe=SqliteSubscriptions(db).remove_gone, clock=clock)
    reports: list[Progress] = []

    async def report(progress: Progress) -> None:
        reports.append(progress)

    final = await asyncio.wait_for(loop.run(bid, on_progress=report), 10)
    assert final is not None and final.status == PAUSED
    assert final.counts == {SENT: 2, PENDING: 38}
    assert sorted(sender.attempts) == [1, 2]
    assert reports[-1].sent_this_run == 2


class GoneThenPaused:
    """Telegram says the first chat is gone, and the admin pauses at that moment."""

    def __init__(self, queue: BroadcastQueue, broadcast_id: int) -> None:
        self.queue, self.broadcast_id = queue, broadcast_id
        self.attempted: list[int] = []

    async def send(self, chat_id: int, text: str, lang: str) -> None:
        self.attempted.append(chat_id)
        await self.queue.set_status(self.broadcast_id, PAUSED)
        raise Gone("Forbidden: bot was blocked by the user")


async def test_a_chat_held_as_gone_when_the_admin_pauses_is_pending_again(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1, 2, 3])
    sender = GoneThenPaused(queue, bid)
    loop = Broadcaster(queue, sender, RateLimiter(1000, clock=vtime),
                       unsubscribe=SqliteSubscriptions(db).remove_gone, clock=vtime,
                       concurrency=1, gone_quorum=3)
    final = await asyncio.wait_for(loop.run(bid), 10)
    assert sender.attempted == [1]
    assert final is not None and final.status == PAUSED and final.counts == {PENDING: 3}
    assert (await deliveries(db, bid))[1] == (
        PENDING, 1, "Forbidden: bot was blocked by the user")
    assert await subscribed(db) == {1, 2, 3}
    assert loop.suspension is None  # the admin paused it, not the guard


async def test_a_broadcaster_has_no_suspension_before_a_run(db: Database) -> None:
    loop = Broadcaster(BroadcastQueue(db), ScriptedSender(lambda: 0.0), RateLimiter(30),
                       unsubscribe=SqliteSubscriptions(db).remove_gone)
    assert loop.suspension is None
    assert await loop.run(404) is None  # no such broadcast
    assert loop.suspension is None


async def test_a_transient_failure_is_retried_later_with_its_reason(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    queue, bid = await start_broadcast(db, [1])
    sender = ScriptedSender(vtime, {1: [Transient("Timed out")]})
    status, attempts, not_before, error = await row_at_first_report(db, queue, bid, sender, vtime)
    assert (status, attempts, error) == (PENDING, 1, "Timed out")
    assert float(str(not_before)) == pytest.approx(sender.attempts[1][0] + 1.0)


async def test_while_a_retry_is_far_off_the_loop_looks_at_the_status_every_second(
    db: Database, vtime: VirtualTime, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    # A pause or a cancel pressed meanwhile is seen within a second, not after 30.
    naps: list[float] = []
    asleep = sender_module.asyncio

    class Recording:
        async def sleep(self, seconds: float, result: object = None) -> object:
            naps.append(seconds)
            return await asleep.sleep(seconds, result)

        def __getattr__(self, name: str) -> object:
            return getattr(asleep, name)

    monkeypatch.setattr(sender_module, "asyncio", Recording())
    queue, bid = await start_broadcast(db, [1])
    sender = ScriptedSender(vtime, {1: [RetryLater(30.0)]})
    final = await asyncio.wait_for(watched(db, queue, sender, vtime).run(bid), 10)
    assert final is not None and final.counts == {SENT: 1}
    assert sender.attempts[1][1] == pytest.approx(sender.attempts[1][0] + 30.0)
    assert len(naps) >= 30 and max(naps) == 1.0
