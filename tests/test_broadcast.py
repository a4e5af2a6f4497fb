"""Security-alert broadcasts: the durable queue, the rate limiter, the delivery loop, the
Telegram sender against the fake Bot API, the admin conversation and `vigie broadcast`.

The limiter and the delivery loop run on virtual time (their module's ``asyncio.sleep`` is
swapped for one that advances a fake clock), so backoffs of several seconds cost nothing.
Everything that talks HTTP uses the real python-telegram-bot stack against FakeBotApi.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

import bot.broadcast.limiter as limiter_module
import bot.broadcast.sender as sender_module
import bot.cli
from bot.broadcast.alert import render_alert
from bot.broadcast.limiter import RateLimiter
from bot.broadcast.queue import (
    CANCELLED,
    DONE,
    FAILED,
    PAUSED,
    PENDING,
    RUNNING,
    SENT,
    UNSUBSCRIBED,
    BroadcastInfo,
    BroadcastQueue,
)
from bot.broadcast.sender import (
    Broadcaster,
    Gone,
    Permanent,
    RetryLater,
    Transient,
    cancel,
)
from bot.broadcast.telegram import AdminBroadcasts, make_broadcaster
from bot.core.content import Content
from bot.service import Vigie
from bot.storage.database import Database
from bot.storage.stores import SqliteSubscriptions
from tests.e2e_support import Harness
from tests.fakes.bot_api import DEFAULT_TOKEN, Call, FakeBotApi, render_markup
from tests.fakes.conversation import Chat
from tests.fakes.conversation import Reply as Seen

UNSUB_DATA = "1|a:unsub"
UNSUB_FR = "🔕 Se désabonner"
UNSUB_EN = "🔕 Unsubscribe"
HEADER_FR = "🔔 Alerte sécurité · Alertes sécurité urgentes"
HEADER_EN = "🔔 Security alert · Urgent security alerts"
ALERT = "Faille critique dans le <b>VPN</b> du cabinet : appliquez le correctif."

_REAL_SLEEP = asyncio.sleep


# ---------------------------------------------------------------------------- helpers


class VirtualTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self, start: float = 10_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float, result: object = None) -> object:
        self.now += max(float(seconds), 0.0)
        await _REAL_SLEEP(0)
        return result


class _AsyncioOnVirtualTime:
    """``asyncio`` as seen by bot.broadcast.sender and .limiter, with ``sleep`` on virtual
    time."""

    def __init__(self, clock: VirtualTime):
        self.sleep = clock.sleep

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


@pytest.fixture
def vtime(monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    clock = VirtualTime()
    monkeypatch.setattr(sender_module, "asyncio", _AsyncioOnVirtualTime(clock))
    monkeypatch.setattr(limiter_module, "asyncio", _AsyncioOnVirtualTime(clock))
    return clock


async def subscribe(
    db: Database, chats: Iterable[int], categories: str = "urgent", lang: str = "fr"
) -> None:
    await db.conn.executemany(
        "INSERT INTO subscriptions (chat_id, lang, categories, subscribed_at) "
        "VALUES (?, ?, ?, '2026-01-01')",
        [(chat, lang, categories) for chat in chats],
    )


async def deliveries(db: Database, broadcast_id: int) -> dict[int, tuple[str, int, str | None]]:
    """chat -> (status, attempts, last_error)."""
    rows = await db.fetchall(
        "SELECT chat_id, status, attempts, last_error FROM deliveries WHERE broadcast_id = ?",
        (broadcast_id,),
    )
    return {int(str(c)): (str(s), int(str(a)), e if e is None else str(e)) for c, s, a, e in rows}


async def subscribed(db: Database) -> set[int]:
    return {int(str(r[0])) for r in await db.fetchall("SELECT chat_id FROM subscriptions")}


def max_in_window(times: Iterable[float], width: float = 1.0) -> int:
    """The largest number of instants inside any window of `width` seconds."""
    ordered = sorted(times)
    best = start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - width:
            start += 1
        best = max(best, end - start + 1)
    return best


def min_gap(times: Iterable[float]) -> float:
    ordered = sorted(times)
    return min((b - a for a, b in itertools.pairwise(ordered)), default=float("inf"))


async def eventually(
    predicate: Callable[[], bool], what: str, timeout: float = 30.0, interval: float = 0.02
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout}s for {what}")
        await asyncio.sleep(interval)


def sends_to(api: FakeBotApi, chats: Iterable[int]) -> list[Call]:
    wanted = set(chats)
    return [c for c in api.calls if c.method == "sendMessage" and c.chat_id in wanted]


def received(api: FakeBotApi, chats: Iterable[int]) -> Counter[int]:
    """How many alerts each chat got (every message Telegram accepted and stored)."""
    return Counter(c.chat_id for c in sends_to(api, chats) if c.ok and c.chat_id is not None)


# ---------------------------------------------------------------------------- 1. the queue


async def test_create_enqueues_exactly_the_subscribers_of_the_category(db: Database) -> None:
    await subscribe(db, [1], "urgent")
    await subscribe(db, [2], "cnil")
    await subscribe(db, [3], "urgent,cnil")
    await subscribe(db, [4], "cnil,urgent")
    await subscribe(db, [5], "urgentissime,nonurgent")  # substrings of "urgent" only
    await subscribe(db, [6], "")
    queue = BroadcastQueue(db)

    assert await queue.recipients("urgent") == 3
    urgent = await queue.create("texte", "urgent")
    cnil = await queue.create("texte", "cnil")

    assert set(await deliveries(db, urgent)) == {1, 3, 4}
    assert set(await deliveries(db, cnil)) == {2, 3, 4}
    info = await queue.info(urgent)
    assert info is not None
    assert (info.status, info.category, info.text, info.total) == (RUNNING, "urgent", "texte", 3)
    assert info.counts == {PENDING: 3} and info.remaining == 3
    assert {d.chat_id for d in await queue.due(urgent, time.time(), 100)} == {1, 3, 4}
    assert await queue.unfinished() == [urgent, cnil]


async def test_a_recipient_cannot_be_enqueued_twice(db: Database) -> None:
    await subscribe(db, [1, 2])
    queue = BroadcastQueue(db)
    first = await queue.create("texte", "urgent")
    with pytest.raises(sqlite3.IntegrityError):
        await db.write(
            "INSERT INTO deliveries (broadcast_id, chat_id, status) VALUES (?, 1, 'pending')",
            (first,),
        )
    # A second broadcast is a new row set, the first one is untouched.
    second = await queue.create("texte", "urgent")
    assert second != first
    assert len(await deliveries(db, first)) == len(await deliveries(db, second)) == 2
    # A delivery only leaves `pending` once: a late outcome never overwrites "sent".
    await queue.mark(first, 1, SENT)
    await queue.mark(first, 1, FAILED, "late error")
    await queue.retry_later(first, 1, time.time() + 60, "429", count_attempt=True)
    assert (await deliveries(db, first))[1] == (SENT, 1, None)


async def test_pause_resume_cancel_transitions_and_final_states(db: Database) -> None:
    await subscribe(db, [1])
    queue = BroadcastQueue(db)
    bid = await queue.create("texte", "urgent")

    assert await queue.set_status(bid, PAUSED)
    assert await queue.status(bid) == PAUSED
    assert await queue.unfinished() == []  # a paused broadcast is not resumed at start-up
    assert await queue.set_status(bid, RUNNING)
    assert await queue.unfinished() == [bid]
    assert await cancel(queue, bid)
    assert await queue.status(bid) == CANCELLED
    for status in (RUNNING, PAUSED, DONE):
        assert not await queue.set_status(bid, status)
    assert await queue.status(bid) == CANCELLED

    done = await queue.create("texte", "urgent")
    assert await queue.set_status(done, DONE)
    for status in (RUNNING, PAUSED, CANCELLED):
        assert not await queue.set_status(done, status)
    assert not await cancel(queue, done)
    assert await queue.status(done) == DONE
    finished = await db.fetchall("SELECT finished_at FROM broadcasts ORDER BY id")
    assert all(row[0] is not None for row in finished)
    assert not await queue.set_status(999, PAUSED)  # unknown broadcast
    assert await queue.unfinished() == []


# ---------------------------------------------------------------------------- 2. rate limiter


async def test_limiter_never_exceeds_the_rate_in_any_second(vtime: VirtualTime) -> None:
    limiter = RateLimiter(10, clock=vtime)
    times: list[float] = []

    async def one(chat: int) -> None:
        await limiter.acquire(chat)
        times.append(vtime())

    start = vtime()
    await asyncio.gather(*(one(chat) for chat in range(60)))
    assert len(times) == 60
    assert max_in_window(times, 1.0) <= 10
    # ...and it does send at about that rate, it does not just stall.
    assert vtime() - start < 60 / 10 * 1.1


async def test_limiter_spaces_messages_to_one_chat_by_a_second(vtime: VirtualTime) -> None:
    limiter = RateLimiter(30, clock=vtime)
    per_chat: dict[int, list[float]] = defaultdict(list)

    async def one(chat: int) -> None:
        await limiter.acquire(chat)
        per_chat[chat].append(vtime())

    await asyncio.gather(*(one(chat) for chat in [7, 8, 7, 9, 7, 8, 7]))
    assert len(per_chat[7]) == 4
    for times in per_chat.values():
        assert min_gap(times) >= 1.0


async def test_interactive_replies_count_in_the_window_but_never_wait(
    vtime: VirtualTime,
) -> None:
    limiter = RateLimiter(5, clock=vtime)
    start = vtime()
    for _ in range(8):  # more than the rate: interactive replies still go out at once
        limiter.note_interactive()
    limiter.note_interactive(chat_id=77)
    assert vtime() == start

    await limiter.acquire(1)  # the broadcast yields: the window is full of replies
    assert vtime() >= start + 1.0
    resumed = vtime()
    await limiter.acquire(77)  # the chat that just got a reply waits its second too
    assert vtime() >= start + 1.0 and vtime() >= resumed


async def test_limiter_pause_delays_every_broadcast_message(vtime: VirtualTime) -> None:
    limiter = RateLimiter(30, clock=vtime)
    start = vtime()
    limiter.pause(3.0)
    limiter.pause(1.0)  # a shorter pause does not shorten the current one
    await limiter.acquire(1)
    assert vtime() >= start + 3.0
    after = vtime()
    await limiter.acquire(2)
    assert vtime() == after  # the pause is over


async def test_limiter_under_one_message_per_second(vtime: VirtualTime) -> None:
    limiter = RateLimiter(0.5, clock=vtime)
    times: list[float] = []
    for chat in range(4):
        await limiter.acquire(chat)
        times.append(vtime())
    assert min_gap(times) >= 2.0


async def test_a_chat_just_answered_waits_its_second_before_a_broadcast_message(
    vtime: VirtualTime,
) -> None:
    limiter = RateLimiter(30, clock=vtime)
    start = vtime()
    limiter.note_interactive(chat_id=5)
    await limiter.acquire(5)
    assert vtime() == pytest.approx(start + 1.0)
    await limiter.acquire(6)  # another chat: no wait of its own
    assert vtime() == pytest.approx(start + 1.0)


async def test_a_fresh_limiter_never_makes_the_first_message_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = VirtualTime(start=0.0)  # a monotonic clock read just after boot
    monkeypatch.setattr(limiter_module, "asyncio", _AsyncioOnVirtualTime(clock))
    await RateLimiter(30, clock=clock).acquire(1)
    assert clock() == 0.0


async def test_a_rate_between_one_and_two_allows_one_message_per_window(
    vtime: VirtualTime,
) -> None:
    limiter = RateLimiter(1.5, clock=vtime)
    times = []
    for chat in range(3):
        await limiter.acquire(chat)
        times.append(vtime())
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [1.1, 1.1]


async def test_pruning_many_chats_keeps_the_one_just_served(vtime: VirtualTime) -> None:
    """Past a thousand chats the per-chat table is pruned: only entries older than a
    second go, and a chat served this instant still waits its second."""
    limiter = RateLimiter(10_000, clock=vtime)  # the overall rate never binds here
    start = vtime()
    for chat in range(1_001):
        limiter.note_interactive(chat_id=chat)
    await limiter.acquire(1_000)
    assert vtime() == pytest.approx(start + 1.0)


# ---------------------------------------------------------------------------- 3. delivery loop


class ScriptedSender:
    """A Sender whose outcome per chat is scripted: the successive attempts raise the listed
    exceptions (None: accepted); once the script is used up, every attempt is accepted."""

    def __init__(
        self,
        clock: Callable[[], float],
        script: dict[int, list[Exception | None]] | None = None,
        on_accept: Callable[[int], Awaitable[None]] | None = None,
    ):
        self.clock = clock
        self.script = {chat: list(outcomes) for chat, outcomes in (script or {}).items()}
        self.on_accept = on_accept
        self.attempts: dict[int, list[float]] = defaultdict(list)
        self.accepted: list[int] = []
        self.texts: list[tuple[int, str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def send(self, chat_id: int, text: str, lang: str) -> None:
        self.attempts[chat_id].append(self.clock())
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await _REAL_SLEEP(0.001)
            outcomes = self.script.get(chat_id)
            if outcomes:
                outcome = outcomes.pop(0)
                if outcome is not None:
                    raise outcome
        finally:
            self.in_flight -= 1
        self.accepted.append(chat_id)
        self.texts.append((chat_id, text, lang))
        if self.on_accept is not None:
            await self.on_accept(len(self.accepted))


async def start_broadcast(
    db: Database, chats: Iterable[int], text: str = "alerte"
) -> tuple[BroadcastQueue, int]:
    await subscribe(db, chats)
    queue = BroadcastQueue(db)
    return queue, await queue.create(text, "urgent")


async def finish(loop: Broadcaster, broadcast_id: int) -> BroadcastInfo | None:
    """Run the delivery loop; a loop that never ends is a failure, not a hung test."""
    return await asyncio.wait_for(loop.run(broadcast_id), 10)


def broadcaster(
    db: Database, queue: BroadcastQueue, sender: ScriptedSender, clock: VirtualTime
) -> Broadcaster:
    return Broadcaster(
        queue,
        sender,
        RateLimiter(1000, clock=clock),
        unsubscribe=SqliteSubscriptions(db).remove_gone,
        clock=clock,
    )


async def test_429_is_requeued_after_retry_after_and_never_counted_as_failure(
    db: Database, vtime: VirtualTime
) -> None:
    chats = list(range(1, 41))
    queue, bid = await start_broadcast(db, chats)
    sender = ScriptedSender(
        vtime,
        {3: [RetryLater(5.0)], 7: [RetryLater(1.0)] * 6},  # more 429s than max_attempts
    )
    final = await finish(broadcaster(db, queue, sender, vtime), bid)

    assert final is not None and final.status == DONE
    assert final.counts == {SENT: 40}
    assert sorted(sender.accepted) == chats  # everyone exactly once
    rows = await deliveries(db, bid)
    assert rows[3] == (SENT, 1, None) and rows[7] == (SENT, 1, None)  # 429s are not attempts
    first_429, retry = sender.attempts[3]
    assert retry >= first_429 + 5.0
    # The whole sender paused: apart from the messages already in flight, nothing was sent
    # during the 5 seconds Telegram asked for.
    during = [
        t
        for chat, ts in sender.attempts.items()
        for t in ts
        if first_429 <= t < first_429 + 5 and (chat, t) != (3, first_429)
    ]
    assert len(during) <= 8


async def test_blocked_chat_is_unsubscribed_and_its_subscription_deleted(
    db: Database, vtime: VirtualTime
) -> None:
    queue, bid = await start_broadcast(db, [1, 2, 3])
    sender = ScriptedSender(vtime, {2: [Gone("Forbidden: bot was blocked by the user")] * 3})
    final = await finish(broadcaster(db, queue, sender, vtime), bid)

    assert final is not None and final.status == DONE
    assert final.counts == {SENT: 2, UNSUBSCRIBED: 1}
    status, attempts, error = (await deliveries(db, bid))[2]
    assert (status, attempts) == (UNSUBSCRIBED, 1) and "blocked" in (error or "")
    assert len(sender.attempts[2]) == 1  # never retried
    assert await subscribed(db) == {1, 3}


async def test_transient_errors_back_off_and_fail_after_five_attempts(
    db: Database, vtime: VirtualTime
) -> None:
    queue, bid = await start_broadcast(db, [1, 2, 3])
    sender = ScriptedSender(
        vtime,
        {
            1: [Transient("NetworkError: Bad Gateway")] * 5,
            2: [Transient("TimedOut: Timed out")] * 4,  # the fifth attempt goes through
        },
    )
    final = await finish(broadcaster(db, queue, sender, vtime), bid)

    assert final is not None and final.status == DONE
    assert final.counts == {SENT: 2, FAILED: 1}
    rows = await deliveries(db, bid)
    assert rows[1] == (FAILED, 5, "NetworkError: Bad Gateway")
    assert rows[2][0] == SENT
    assert len(sender.attempts[1]) == 5
    assert await subscribed(db) == {1, 2, 3}  # a network problem never unsubscribes
    gaps = [b - a for a, b in itertools.pairwise(sender.attempts[1])]
    assert all(gap >= want for gap, want in zip(gaps, [1, 2, 4, 8], strict=True)), gaps


async def test_permanent_error_fails_at_once(db: Database, vtime: VirtualTime) -> None:
    queue, bid = await start_broadcast(db, [1, 2])
    sender = ScriptedSender(vtime, {1: [Permanent("Bad Request: message is too long")] * 3})
    final = await finish(broadcaster(db, queue, sender, vtime), bid)

    assert final is not None and final.counts == {SENT: 1, FAILED: 1}
    assert (await deliveries(db, bid))[1] == (FAILED, 1, "Bad Request: message is too long")
    assert len(sender.attempts[1]) == 1
    assert await subscribed(db) == {1, 2}


async def test_pause_mid_run_stops_within_the_messages_in_flight_and_resume_finishes(
    db: Database, vtime: VirtualTime
) -> None:
    chats = list(range(1, 61))
    queue, bid = await start_broadcast(db, chats)

    async def pause_after_ten(accepted: int) -> None:
        if accepted == 10:
            await queue.set_status(bid, PAUSED)

    sender = ScriptedSender(vtime, on_accept=pause_after_ten)
    loop = broadcaster(db, queue, sender, vtime)
    paused = await finish(loop, bid)

    assert paused is not None and paused.status == PAUSED
    assert 10 <= len(sender.accepted) <= 10 + loop.concurrency
    assert paused.counts[SENT] == len(sender.accepted)
    assert paused.remaining == 60 - len(sender.accepted)
    assert await finish(loop, bid) == await queue.info(bid)  # paused: nothing happens
    assert len(sender.accepted) == paused.counts[SENT]

    assert await queue.set_status(bid, RUNNING)
    final = await finish(loop, bid)
    assert final is not None and final.status == DONE and final.counts == {SENT: 60}
    assert sorted(sender.accepted) == chats


async def test_pause_at_a_slow_rate_takes_effect_at_the_next_turn(db: Database) -> None:
    # Real time, one message a second: the batch in progress holds 32 of them (32 s).
    queue, bid = await start_broadcast(db, range(1, 41))
    paused_at: list[float] = []

    async def pause_after_two(accepted: int) -> None:
        if accepted == 2:
            await queue.set_status(bid, PAUSED)
            paused_at.append(time.monotonic())

    sender = ScriptedSender(time.monotonic, on_accept=pause_after_two)
    subscriptions = SqliteSubscriptions(db)
    loop = Broadcaster(queue, sender, RateLimiter(1), unsubscribe=subscriptions.remove_gone)
    final = await finish(loop, bid)

    assert final is not None and final.status == PAUSED
    assert len(sender.accepted) == 2
    # The next turn (about 1 s), not the end of the 32-message batch (about 30 s); the
    # bound is generous for a loaded machine.
    assert time.monotonic() - paused_at[0] < 10
    assert final.counts == {SENT: 2, PENDING: 38}


async def test_cancel_mid_run_stops_for_good(db: Database, vtime: VirtualTime) -> None:
    queue, bid = await start_broadcast(db, range(1, 61))

    async def cancel_after_ten(accepted: int) -> None:
        if accepted == 10:
            await cancel(queue, bid)

    sender = ScriptedSender(vtime, on_accept=cancel_after_ten)
    loop = broadcaster(db, queue, sender, vtime)
    final = await finish(loop, bid)

    assert final is not None and final.status == CANCELLED
    sent = len(sender.accepted)
    assert 10 <= sent <= 10 + loop.concurrency
    assert final.counts == {SENT: sent, PENDING: 60 - sent}
    assert not await queue.set_status(bid, RUNNING)
    again = await finish(loop, bid)
    assert again is not None and again.status == CANCELLED
    assert len(sender.accepted) == sent


async def test_member_who_unsubscribes_during_a_broadcast_gets_nothing(
    db: Database, vtime: VirtualTime
) -> None:
    chats = list(range(1, 81))
    queue, bid = await start_broadcast(db, chats)
    subscriptions = SqliteSubscriptions(db)

    async def member_80_unsubscribes(accepted: int) -> None:
        if accepted == 1:
            await subscriptions.delete(80)  # pressed "Se désabonner" on an older alert

    sender = ScriptedSender(vtime, on_accept=member_80_unsubscribes)
    final = await finish(broadcaster(db, queue, sender, vtime), bid)

    assert final is not None and final.status == DONE
    assert 80 not in sender.accepted and 80 not in sender.attempts
    # Leaving erases the member's chat id at once, its in-flight delivery row included.
    assert final.counts == {SENT: 79}


async def test_at_most_concurrency_messages_in_flight(db: Database, vtime: VirtualTime) -> None:
    queue, bid = await start_broadcast(db, range(1, 101))
    sender = ScriptedSender(vtime)
    loop = broadcaster(db, queue, sender, vtime)
    assert loop.concurrency == 8
    final = await finish(loop, bid)
    assert final is not None and final.counts == {SENT: 100}
    assert 1 < sender.max_in_flight <= 8


class SlowReportBot:
    """Just enough of telegram.Bot for AdminBroadcasts: alerts are accepted at once; the
    admin's progress report for a paused broadcast hangs until `release` is set."""

    def __init__(self, admin_chat: int, pause: Callable[[], Awaitable[None]]):
        self.admin_chat = admin_chat
        self.pause = pause
        self.alerts: list[int] = []
        self.reporting = asyncio.Event()
        self.release = asyncio.Event()

    async def send_message(self, chat_id: int, text: str, **_: object) -> SimpleNamespace:
        if chat_id != self.admin_chat:
            self.alerts.append(chat_id)
            if len(self.alerts) == 3:
                await self.pause()
        return SimpleNamespace(message_id=1)

    async def edit_message_text(self, text: str, *_: object, **__: object) -> None:
        if ": <b>paused</b>" in text:
            self.reporting.set()
            await self.release.wait()


async def test_resume_pressed_while_a_pausing_run_still_reports_is_not_lost(
    db: Database, service: Vigie
) -> None:
    queue, bid = await start_broadcast(db, range(1, 41))

    async def pause() -> None:
        await queue.set_status(bid, PAUSED)

    fake = SlowReportBot(42, pause)
    admin = AdminBroadcasts(service, fake, db, RateLimiter(1000))  # type: ignore[arg-type]
    admin.start(bid, "urgent", 42)
    await asyncio.wait_for(fake.reporting.wait(), 5)
    # The admin presses ▶ while the paused run is still editing its report.
    reply = await admin._control("resume", bid, 42)
    assert reply.text == f"Diffusion n°{bid} : running."
    fake.release.set()
    await asyncio.wait_for(admin.tasks[bid], 10)

    info = await queue.info(bid)
    assert info is not None and info.status == DONE and info.counts == {SENT: 40}
    assert sorted(fake.alerts) == list(range(1, 41))


# ---------------------------------------------------------------------------- 4. over HTTP


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake
        assert fake.internal_errors == [], "the fake Telegram server itself failed"


@pytest.fixture
async def launch(
    api: FakeBotApi, content: Content, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    """``await launch(VIGIE_ADMIN_IDS="42")``: `vigie run` (create_application) on a fresh DB."""
    started: list[Harness] = []

    async def _launch(**env: str) -> Harness:
        harness = Harness(api, content, tmp_path, **env)
        started.append(harness)
        return await harness.start()

    yield _launch
    for harness in reversed(started):
        await harness.stop()


def http_bot(api: FakeBotApi, read_timeout: float = 15.0) -> Bot:
    """A Bot as bot.broadcast.cli.make_bot builds it, pointed at the fake."""
    request = HTTPXRequest(connection_pool_size=32, read_timeout=read_timeout, write_timeout=15)
    return Bot(DEFAULT_TOKEN, base_url=api.base_url, request=request)


async def test_alert_over_http_survives_429_403_timeouts_and_5xx(
    api: FakeBotApi, launch: Callable[..., Awaitable[Harness]], content: Content
) -> None:
    harness = await launch(VIGIE_BROADCAST_RATE="20")
    members = list(range(2001, 2061))
    english = {2010, 2020}
    blocked = 2007
    others = [2101, 2102]  # subscribed to another category only
    # A 3 s read timeout: an ordinary send takes milliseconds, even on a loaded machine.
    async with Database(harness.db_path) as db, http_bot(api, read_timeout=3.0) as tg:
        await subscribe(db, [m for m in members if m not in english])
        await subscribe(db, english, lang="en")
        await subscribe(db, others, "cnil")
        queue = BroadcastQueue(db)
        bid = await queue.create(ALERT, "urgent")

        api.fail("sendMessage", status=429, retry_after=1, times=2)
        api.block(blocked)
        api.fail("sendMessage", status=502, times=2)
        api.fail("sendMessage", status=500, times=1)
        api.delay("sendMessage", 4.0, times=2)  # longer than the 3 s read timeout
        limiter = RateLimiter(harness.settings.broadcast_rate)
        loop = make_broadcaster(tg, content, db, queue, limiter, "urgent")
        try:
            final = await asyncio.wait_for(loop.run(bid), 120)
        finally:
            await loop.close()

        assert final is not None and final.status == DONE
        assert final.counts == {SENT: 59, UNSUBSCRIBED: 1}
        assert blocked not in await subscribed(db)
        assert len(await subscribed(db)) == 61

    await eventually(  # the two delayed sends end on the server's side too
        lambda: all(c.finished_at is not None for c in sends_to(api, members + others)),
        "the delayed sends to finish",
    )
    calls = sends_to(api, members + others)
    statuses = Counter(c.status for c in calls)
    assert statuses[429] == 2 and statuses[502] == 2 and statuses[500] == 1, statuses
    timed_out = [c for c in calls if c.client_gone]
    assert len(timed_out) == 2, "the two delayed sends should have timed out"
    # What each member saw. A send that timed out on our side but that Telegram still
    # delivered is a duplicate nobody can avoid (no idempotency key in the Bot API): the
    # member got it twice; every other member got exactly one alert, the blocked one none.
    acknowledged = Counter(c.chat_id for c in calls if c.ok and not c.client_gone)
    ghosts = Counter(c.chat_id for c in calls if c.ok and c.client_gone)
    assert acknowledged == Counter({m: 1 for m in members if m != blocked})
    assert received(api, members + others) == acknowledged + ghosts
    assert set(ghosts) <= {c.chat_id for c in timed_out}

    # A 429 is not an attempt, and the whole sender waits the second Telegram asked for
    # (only the requests already in flight may still arrive).
    only_429 = {c.chat_id for c in calls if c.status == 429} - {
        c.chat_id for c in calls if c.status not in (200, 429) or c.client_gone
    }
    async with Database(harness.db_path) as db:
        rows = await deliveries(db, bid)
    assert only_429 and all(rows[chat] == (SENT, 1, None) for chat in only_429)
    for refused in (c for c in calls if c.status == 429):
        assert refused.finished_at is not None
        window = (refused.finished_at, refused.finished_at + 0.9)
        assert sum(window[0] < c.at < window[1] for c in calls) <= 8

    # Telegram's limits, measured where Telegram would measure them.
    assert max_in_window([c.at for c in calls], 1.0) <= 20
    per_chat: dict[int, list[float]] = defaultdict(list)
    for c in calls:
        assert c.chat_id is not None
        per_chat[c.chat_id].append(c.at)
    assert min(min_gap(times) for times in per_chat.values()) >= 1.0

    # Every alert: the header, the text as HTML, and the one-tap unsubscribe button.
    for c in calls:
        if not c.ok:
            continue
        lang = "en" if c.chat_id in english else "fr"
        body, label = render_alert(content, ALERT, "urgent", lang)
        assert c.params["text"] == body and c.params["parse_mode"] == "HTML"
        header = HEADER_EN if lang == "en" else HEADER_FR
        assert c.result["text"] == f"{header}\n\n{render_markup(ALERT, 'HTML')}"
        assert label == (UNSUB_EN if lang == "en" else UNSUB_FR)
        buttons = c.params["reply_markup"]["inline_keyboard"]
        assert buttons == [[{"text": label, "callback_data": UNSUB_DATA}]]

    # Pressing the button in the running bot unsubscribes the member.
    member = harness.chat(2003)
    replies = await member.click(UNSUB_FR)
    assert replies and replies[-1].text.startswith("Vous êtes désabonné(e)")
    remaining = {row[0] for row in harness.query("SELECT chat_id FROM subscriptions")}
    assert 2003 not in remaining and 2004 in remaining and len(remaining) == 60


# ---------------------------------------------------------------------------- 5. admin in Telegram


async def admin_broadcast(admin: Chat, text: str, count: int) -> tuple[int, Seen]:
    """/diffuser, type `text`, pick the urgent category, check the preview, confirm;
    returns the broadcast id and the preview the admin saw."""
    replies = await admin.send("/diffuser")
    assert replies[-1].text.startswith("Envoyez le texte de l'alerte")
    assert "📄 Mise à jour de sécurité urgente" in replies[-1].button_texts
    replies = await admin.send(text)
    assert replies[-1].text == "Catégorie de l'alerte ?"
    assert replies[-1].button_texts == [
        "Alertes sécurité urgentes",
        "Actualités CNIL et réglementaires",
        "✖ Annuler",
    ]
    preview, confirm = await admin.click("Alertes sécurité urgentes")
    assert confirm.text == f"⬆️ Aperçu exact du message. Destinataires : {count} abonné(s)."
    assert confirm.button_texts == [f"✅ Envoyer à {count}", "✖ Annuler"]
    assert preview.button_texts == [UNSUB_FR]
    replies = await admin.click(f"✅ Envoyer à {count}")
    started = [r for r in replies if r.text.startswith("Diffusion n°")]
    assert started, [r.text for r in replies]
    return int(started[0].text.removeprefix("Diffusion n°").split()[0]), preview


def broadcast_status(harness: Harness, bid: int) -> str:
    return str(harness.query("SELECT status FROM broadcasts WHERE id = ?", (bid,))[0][0])


async def test_admin_broadcasts_from_telegram_with_exact_preview_and_report(
    api: FakeBotApi, launch: Callable[..., Awaitable[Harness]]
) -> None:
    harness = await launch(VIGIE_ADMIN_IDS="42", VIGIE_BROADCAST_RATE="20")
    members, others = [3001, 3002, 3003, 3004, 3005], [3101, 3102]
    async with Database(harness.db_path) as db:
        await subscribe(db, members)
        await subscribe(db, others, "cnil")

    admin = harness.chat(42)
    typed = "Faille <VPN> & mise à jour : appliquez-la"
    bid, preview = await admin_broadcast(admin, typed, count=5)
    assert preview.text == f"{HEADER_FR}\n\n{typed}"  # typed text is shown, not interpreted
    assert "&lt;VPN&gt; &amp;" in preview.raw_text

    await eventually(lambda: broadcast_status(harness, bid) == DONE, "the broadcast to finish")
    tasks = harness.app.bot_data["vigie_broadcasts"].tasks
    await eventually(lambda: tasks[bid].done(), "the final progress report")
    await harness.idle()

    assert received(api, members + others) == Counter({m: 1 for m in members})
    for m in members:
        (call,) = sends_to(api, [m])
        seen = api.message_state(m, call.result["message_id"])
        assert seen is not None and seen["text"] == preview.text
        assert call.params["text"] == preview.raw_text
        assert call.params["reply_markup"]["inline_keyboard"] == [
            [{"text": UNSUB_FR, "callback_data": UNSUB_DATA}]
        ]

    progress = [
        c
        for c in api.calls_to("sendMessage", chat_id=42)
        if c.ok and c.params["text"].startswith(f"📣 Diffusion n°{bid}")
    ]
    assert len(progress) == 1
    message_id = progress[0].result["message_id"]
    edits = [
        c
        for c in api.calls_to("editMessageText", chat_id=42)
        if c.ok and c.params.get("message_id") == message_id
    ]
    assert edits, "the progress message was never edited"
    final = api.message_state(42, message_id)
    assert final is not None
    assert final["text"].splitlines()[0] == f"📣 Diffusion n°{bid} : done"
    assert final["text"].splitlines()[-1] == "Rapport : sent 5"

    listing = await admin.send("/diffusions")
    assert f"n°{bid} · done · urgent · 5/5 envoyés · 0 restants" in listing[-1].text
    assert listing[-1].buttons == []  # nothing left to pause or cancel

    # A member is told exactly what an unknown command gets, and cannot press admin buttons.
    member = harness.chat(3001)
    unknown = await member.send("/nimportequoi")
    for attempt in ("/diffuser", "/diffusions", "/broadcast"):
        refused = await member.send(attempt)
        assert [(r.text, r.buttons) for r in refused] == [(r.text, r.buttons) for r in unknown]
    assert unknown[0].text.startswith("Je ne connais pas cette commande")
    forged = await member.click_data("1|b:go")
    assert "Diffusion" not in forged[-1].text
    assert harness.count("broadcasts") == 1


async def test_admin_pauses_resumes_and_cancels_a_running_broadcast(
    api: FakeBotApi, launch: Callable[..., Awaitable[Harness]]
) -> None:
    harness = await launch(VIGIE_ADMIN_IDS="42", VIGIE_BROADCAST_RATE="2")
    members = list(range(4001, 4021))
    async with Database(harness.db_path) as db:
        await subscribe(db, members)
    admin = harness.chat(42)
    bid, _ = await admin_broadcast(admin, "Alerte de test", count=20)
    tasks = harness.app.bot_data["vigie_broadcasts"].tasks

    def delivered() -> int:
        return sum(received(api, members).values())

    async def settled() -> int:
        """Wait for the broadcast task to stop, then check that nothing more goes out."""
        await eventually(lambda: tasks[bid].done(), "the broadcast to stop", timeout=30)
        count = delivered()
        await asyncio.sleep(1.1)  # at 2 messages/s, two more would have gone out by now
        assert delivered() == count
        return count

    await eventually(lambda: delivered() >= 1, "the first alerts")
    listing = await admin.send("/diffusions")
    assert f"n°{bid} · running" in listing[-1].text
    replies = await admin.click(f"⏸ n°{bid}")
    assert replies[-1].text == f"Diffusion n°{bid} : paused."
    paused_at = await settled()
    assert broadcast_status(harness, bid) == PAUSED and paused_at < 20

    listing = await admin.send("/diffusions")
    assert f"n°{bid} · paused" in listing[-1].text
    replies = await admin.click(f"▶ n°{bid}")
    assert replies[-1].text == f"Diffusion n°{bid} : running."
    await eventually(lambda: delivered() > paused_at, "the broadcast to go on", timeout=30)

    await admin.send("/diffusions")
    replies = await admin.click(f"✖ n°{bid}")
    assert replies[-1].text == f"Diffusion n°{bid} : cancelled."
    cancelled_at = await settled()
    assert broadcast_status(harness, bid) == CANCELLED
    assert paused_at < cancelled_at < 20
    assert max(received(api, members).values()) == 1
    pending = harness.query(
        "SELECT count(*) FROM deliveries WHERE broadcast_id = ? AND status = 'pending'", (bid,)
    )[0][0]
    assert pending == 20 - cancelled_at

    # The old buttons cannot bring a cancelled broadcast back.
    replies = await admin.click_data(f"1|b:resume:{bid}")
    assert replies[-1].text == f"La diffusion n°{bid} est déjà terminée."
    assert broadcast_status(harness, bid) == CANCELLED


# ---------------------------------------------------------------------------- 6. the CLI


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, content: Content, tmp_path: Path
) -> Callable[..., Awaitable[int]]:
    """``await cli("status")`` runs `vigie broadcast status` in a worker thread (it has its own
    event loop, like the real command), on tmp_path/cli.db; the content is loaded once."""
    for name in ("TELEGRAM_API_BASE_URL", "VIGIE_CONTENT_DIR", "VIGIE_BROADCAST_RATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("VIGIE_DB", str(tmp_path / "cli.db"))
    monkeypatch.setattr(bot.cli, "load", lambda settings: content)

    async def run(*argv: str) -> int:
        return await asyncio.to_thread(bot.cli.main, ["broadcast", *argv])

    return run


@pytest.fixture
async def cli_db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "cli.db") as database:
        yield database


async def test_cli_status_lists_broadcasts_and_cancel_is_final(
    cli: Callable[..., Awaitable[int]], cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    queue, first = await start_broadcast(cli_db, [1, 2, 3])
    await queue.mark(first, 1, SENT)
    second = await queue.create("autre", "urgent")
    await queue.set_status(second, PAUSED)
    capsys.readouterr()

    assert await cli("status") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:3] for line in lines] == [
        [str(second), PAUSED, "urgent"],
        [str(first), RUNNING, "urgent"],
    ]
    assert lines[1].split("\t")[4:] == ["3 recipients", "pending 2, sent 1"]
    assert await cli("status", str(first)) == 0
    assert capsys.readouterr().out.startswith(f"{first}\trunning\t")
    assert await cli("status", "99") == 2
    assert "broadcast 99 does not exist" in capsys.readouterr().err

    assert await cli("cancel", str(first)) == 0
    assert capsys.readouterr().out.strip() == f"broadcast {first} cancelled"
    assert await queue.status(first) == CANCELLED
    assert await cli("cancel", str(first)) == 2
    assert "already finished" in capsys.readouterr().err
    assert await queue.status(first) == CANCELLED


async def test_cli_resume_finishes_a_broadcast_left_running(
    cli: Callable[..., Awaitable[int]],
    cli_db: Database,
    api: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    chats = list(range(5001, 5013))
    queue, bid = await start_broadcast(cli_db, chats, ALERT)
    for chat in chats[:4]:  # delivered before the process died
        await queue.mark(bid, chat, SENT)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", api.base_url)

    assert await cli("resume", str(bid)) == 0
    assert capsys.readouterr().out.strip() == f"broadcast {bid}: done; sent 12"
    assert received(api, chats) == Counter({chat: 1 for chat in chats[4:]})
    info = await queue.info(bid)
    assert info is not None and info.status == DONE and info.counts == {SENT: 12}

    assert await cli("resume", str(bid)) == 0  # already done: nothing is sent again
    assert "already done" in capsys.readouterr().err
    assert sum(received(api, chats).values()) == 8
    assert await cli("resume", "99") == 2

    paused = await queue.create("Deuxième alerte", "urgent")
    await queue.set_status(paused, PAUSED)
    assert await cli("resume", str(paused)) == 0
    assert capsys.readouterr().out.strip() == f"broadcast {paused}: done; sent 12"
    assert sum(received(api, chats).values()) == 8 + 12


def alert_file(tmp_path: Path, body: str, category: str = "urgent") -> str:
    path = tmp_path / "alerte.md"
    path.write_text(f'---\ntitle: "Test"\ncategory: {category}\n---\n{body}\n', encoding="utf-8")
    return str(path)


async def no_broadcast(db: Database) -> bool:
    return await db.fetchall("SELECT id FROM broadcasts") == []


async def test_cli_send_refuses_without_yes_when_stdin_is_not_a_terminal(
    cli: Callable[..., Awaitable[int]],
    cli_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await subscribe(cli_db, [1, 2])
    monkeypatch.setattr(sys, "stdin", io.StringIO("oui\n"))  # piped, not a terminal
    assert await cli("send", alert_file(tmp_path, ALERT)) == 2
    err = capsys.readouterr().err
    assert "add --yes" in err and "2 recipient(s), category urgent" in err
    assert await no_broadcast(cli_db)


async def test_cli_send_rejects_an_unknown_category(
    cli: Callable[..., Awaitable[int]],
    cli_db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await subscribe(cli_db, [1])
    assert await cli("send", alert_file(tmp_path, ALERT), "--category", "meteo", "--yes") == 2
    assert "unknown category 'meteo' (known: urgent, cnil)" in capsys.readouterr().err
    assert await cli("send", alert_file(tmp_path, ALERT, category="meteo"), "--yes") == 2
    assert "unknown category 'meteo'" in capsys.readouterr().err
    assert await no_broadcast(cli_db)


async def test_cli_send_rejects_html_that_telegram_would_refuse(
    cli: Callable[..., Awaitable[int]],
    cli_db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await subscribe(cli_db, [1])
    assert await cli("send", alert_file(tmp_path, "Mettez à jour<br>maintenant"), "--yes") == 2
    err = capsys.readouterr().err
    assert "Telegram would refuse this text" in err and "<br>" in err
    assert await cli("send", alert_file(tmp_path, "<b>Urgent : mise à jour"), "--yes") == 2
    assert "<b> n'est jamais fermée" in capsys.readouterr().err
    assert await no_broadcast(cli_db)


async def test_cli_send_without_token_fails_before_queueing_anything(
    cli: Callable[..., Awaitable[int]],
    cli_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await subscribe(cli_db, [1, 2])
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    assert await cli("send", alert_file(tmp_path, ALERT), "--yes") == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err
    # Nothing queued: else the next `vigie run` would deliver it, and the operator's retry
    # with the token would deliver it a second time.
    assert await no_broadcast(cli_db)


async def test_finished_broadcasts_keep_counts_but_no_chat_ids(
    db: Database, vtime: VirtualTime
) -> None:
    queue, bid = await start_broadcast(db, [11, 12, 13])
    sender = ScriptedSender(vtime, {12: [Gone("Forbidden: bot was blocked by the user")]})
    final = await finish(broadcaster(db, queue, sender, vtime), bid)
    assert final is not None and final.counts == {SENT: 2, UNSUBSCRIBED: 1}
    assert await queue.purge_finished(time.time() - 3600) == 0  # kept for the report
    assert await queue.purge_finished(time.time() + 1) == 1
    assert await db.fetchall("SELECT * FROM deliveries") == []
    after = await queue.info(bid)
    assert after is not None and after.counts == {SENT: 2, UNSUBSCRIBED: 1}
    assert after.status == DONE and after.total == 3


async def test_leaving_erases_the_chat_id_from_running_broadcasts(db: Database) -> None:
    await start_broadcast(db, [21, 22])
    await SqliteSubscriptions(db).delete(21)
    chats = {int(str(r[0])) for r in await db.fetchall("SELECT chat_id FROM deliveries")}
    assert chats == {22}
