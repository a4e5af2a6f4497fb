"""What the admin's progress report is computed from: the time left at the current pace,
and the sender's connections closed at the end."""

from __future__ import annotations

import asyncio

import pytest

from bot.broadcast.limiter import RateLimiter
from bot.broadcast.queue import PENDING, SENT, BroadcastInfo, BroadcastQueue
from bot.broadcast.sender import Broadcaster, Progress
from bot.storage.database import Database
from bot.storage.stores import SqliteSubscriptions
from tests.test_broadcast import VirtualTime, subscribe, vtime  # noqa: F401  (a fixture)


def progress(sent: int, remaining: int, started: float = 100.0) -> Progress:
    info = BroadcastInfo(1, "running", "urgent", "texte", 0.0, sent + remaining,
                         {SENT: sent, PENDING: remaining})
    return Progress(info, started, sent)


@pytest.mark.parametrize(("sent", "remaining", "now", "eta"), [
    (5, 20, 110.0, 40.0),  # half a message a second: 40 s for 20
    (1, 3, 100.5, 1.5),  # two a second
    (4, 0, 104.0, 0.0),
])
def test_the_time_left_is_what_remains_at_the_pace_so_far(
    sent: int, remaining: int, now: float, eta: float
) -> None:
    assert progress(sent, remaining).eta_seconds(now) == pytest.approx(eta)


@pytest.mark.parametrize(("sent", "now"), [(0, 110.0), (3, 100.0), (3, 99.0)])
def test_no_estimate_before_a_message_was_sent_or_time_has_passed(sent: int, now: float) -> None:
    assert progress(sent, 10).eta_seconds(now) is None


class ClosingSender:
    def __init__(self) -> None:
        self.closed = 0

    async def send(self, chat_id: int, text: str, lang: str) -> None:
        """Never called here."""

    async def aclose(self) -> None:
        self.closed += 1


class PlainSender:
    async def send(self, chat_id: int, text: str, lang: str) -> None:
        """Never called here."""


async def test_closing_releases_the_senders_connections_when_it_has_some(db: Database) -> None:
    closing, plain = ClosingSender(), PlainSender()
    for sender in (closing, plain):
        loop = Broadcaster(BroadcastQueue(db), sender, RateLimiter(30),
                           unsubscribe=lambda chat: None)  # type: ignore[arg-type,return-value]
        await loop.close()
    assert closing.closed == 1


class TakingTime:
    """Telegram answering each message in 0.375 s of virtual time: a batch of four, 1.5 s."""

    def __init__(self, clock: VirtualTime) -> None:
        self.clock = clock

    async def send(self, chat_id: int, text: str, lang: str) -> None:
        self.clock.now += 0.375


async def test_the_report_comes_after_the_first_batch_then_once_three_seconds_have_passed(
    db: Database, vtime: VirtualTime  # noqa: F811
) -> None:
    await subscribe(db, range(1, 17))
    queue = BroadcastQueue(db)
    bid = await queue.create("alerte", "urgent")
    start = vtime.now
    reported: list[tuple[float, int]] = []

    async def report(progress: Progress) -> None:
        reported.append((vtime.now - start, progress.sent_this_run))

    loop = Broadcaster(queue, TakingTime(vtime), RateLimiter(1000, clock=vtime),
                       unsubscribe=SqliteSubscriptions(db).remove_gone, clock=vtime,
                       concurrency=1)
    final = await asyncio.wait_for(loop.run(bid, on_progress=report), 10)
    assert final is not None and final.counts == {SENT: 16}
    # Batches end at 1.5, 3, 4.5 and 6 s; the last line is the final report.
    assert reported == [(1.5, 4), (4.5, 12), (6.0, 16)]
