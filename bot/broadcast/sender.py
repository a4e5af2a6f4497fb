"""Deliver broadcast messages: the rate limit, the outcome of each send, the loop.

Telegram allows about 30 messages per second overall and one per second per
chat. Interactive replies are noted in the same window but never wait: the
broadcast yields to them. A 429 is never a failure: the message is re-queued
after `retry_after`, and the whole sender pauses as Telegram asks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.broadcast.queue import (
    CANCELLED,
    DONE,
    FAILED,
    RUNNING,
    SENT,
    UNSUBSCRIBED,
    BroadcastInfo,
    BroadcastQueue,
    Delivery,
)
from bot.privacy.secrets import MAX_ERROR_TEXT, mask_secrets

log = logging.getLogger("vigie.broadcast")


class RetryLater(Exception):
    def __init__(self, seconds: float):
        super().__init__(f"retry after {seconds:.0f} s")
        self.seconds = seconds


class Gone(Exception):
    """The chat blocked the bot, was deleted or never existed: stop writing to it."""


class Transient(Exception):
    """Network error, timeout or 5xx: worth retrying with backoff."""


class Permanent(Exception):
    """Telegram refused this message for good (e.g. a malformed request)."""


class Sender(Protocol):
    async def send(self, chat_id: int, text: str, lang: str) -> None: ...


class RateLimiter:
    """A sliding one-second window shared by broadcasts and interactive replies."""

    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic, window: float = 1.1
    ):
        self.limit = max(int(rate), 1)
        # A little over one second: margin for network jitter. Under one message per
        # second, one message per 1/rate seconds (else 0.5 would mean 1 per second).
        self.window = window / rate if rate < 1 else window
        self.clock = clock
        self._sent: deque[float] = deque()
        self._per_chat: dict[int, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def note_interactive(self, chat_id: int | None = None) -> None:
        """An interactive reply went out: it counts, but it never waits."""
        now = self.clock()
        self._sent.append(now)
        if chat_id is not None:
            self._per_chat[chat_id] = now

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, chat_id: int) -> None:
        async with self._lock:
            while True:
                now = self.clock()
                # The same expression as the wait below: with `now - sent >= window` here,
                # rounding could both keep the oldest entry and find no wait, letting any
                # number of messages through at that instant.
                while self._sent and self._sent[0] + self.window <= now:
                    self._sent.popleft()
                waits = [self._paused_until - now]
                if len(self._sent) >= self.limit:
                    waits.append(self._sent[0] + self.window - now)
                last = self._per_chat.get(chat_id)
                if last is not None:
                    waits.append(last + 1.0 - now)
                wait = max(waits)
                if wait <= 0:
                    self._sent.append(now)
                    self._per_chat[chat_id] = now
                    if len(self._per_chat) > 50_000:
                        self._per_chat = {c: t for c, t in self._per_chat.items() if now - t < 1.0}
                    return
                await asyncio.sleep(wait)


@dataclass
class Progress:
    info: BroadcastInfo
    started: float
    sent_this_run: int

    def eta_seconds(self, now: float) -> float | None:
        elapsed = now - self.started
        if self.sent_this_run == 0 or elapsed <= 0:
            return None
        return self.info.remaining / (self.sent_this_run / elapsed)


ProgressCallback = Callable[[Progress], Awaitable[None]]


class Broadcaster:
    def __init__(
        self,
        queue: BroadcastQueue,
        sender: Sender,
        limiter: RateLimiter,
        *,
        unsubscribe: Callable[[int], Awaitable[object]],
        concurrency: int = 8,
        max_attempts: int = 5,
        clock: Callable[[], float] = time.time,
    ):
        self.queue = queue
        self.sender = sender
        self.limiter = limiter
        self.unsubscribe = unsubscribe
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.clock = clock

    async def close(self) -> None:
        """Release the sender's connections (an HTTP client, for the Bot API sender)."""
        closer = getattr(self.sender, "aclose", None)
        if closer is not None:
            await closer()

    async def run(
        self,
        broadcast_id: int,
        on_progress: ProgressCallback | None = None,
        progress_every: float = 3.0,
    ) -> BroadcastInfo | None:
        """Deliver until nothing is pending, or the broadcast is paused or cancelled."""
        started = self.clock()
        sent = 0
        last_progress = 0.0
        info = await self.queue.info(broadcast_id)
        if info is None:
            return None
        text = info.text
        slots = asyncio.Semaphore(self.concurrency)
        # Pausing or cancelling takes effect at the next message's turn, not after the
        # whole batch (which, at a slow rate, would mean minutes of further messages):
        # the first delivery that sees the new status cancels those waiting for a turn.
        stopping = False
        waiting: set[asyncio.Future[None]] = set()

        async def still_running() -> bool:
            nonlocal stopping
            if not stopping and await self.queue.status(broadcast_id) != RUNNING:
                stopping = True
                for turn in waiting:
                    turn.cancel()
            return not stopping

        async def deliver(delivery: Delivery) -> bool:
            async with slots:
                if not delivery.subscribed:  # unsubscribed while the broadcast was running
                    await self.queue.mark(
                        broadcast_id, delivery.chat_id, UNSUBSCRIBED, "unsubscribed before delivery"
                    )
                    return False
                if stopping:
                    return False
                turn = asyncio.ensure_future(self.limiter.acquire(delivery.chat_id))
                waiting.add(turn)
                try:
                    await turn
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    if turn.cancelled() and stopping and not (task and task.cancelling()):
                        return False
                    raise
                finally:
                    waiting.discard(turn)
                if not await still_running():
                    return False
                return await self._deliver(broadcast_id, text, delivery)

        while await self.queue.status(broadcast_id) == RUNNING:
            batch = await self.queue.due(broadcast_id, self.clock(), self.concurrency * 4)
            if not batch:
                next_time = await self.queue.next_due_time(broadcast_id)
                if next_time is None:
                    await self.queue.set_status(broadcast_id, DONE)
                    break
                await asyncio.sleep(min(max(next_time - self.clock(), 0.05), 1.0))
                continue
            stopping = False
            results = await asyncio.gather(*(deliver(d) for d in batch))
            sent += sum(results)
            now = self.clock()
            if on_progress is not None and now - last_progress >= progress_every:
                last_progress = now
                current = await self.queue.info(broadcast_id)
                if current is not None:
                    await on_progress(Progress(current, started, sent))
        final = await self.queue.info(broadcast_id)
        if on_progress is not None and final is not None:
            await on_progress(Progress(final, started, sent))
        return final

    async def _deliver(self, broadcast_id: int, text: str, delivery: Delivery) -> bool:
        """Send one message whose rate-limit turn has come, and record the outcome."""
        chat = delivery.chat_id
        try:
            await self.sender.send(chat, text, delivery.lang)
        except RetryLater as exc:
            self.limiter.pause(exc.seconds)
            await self.queue.retry_later(
                broadcast_id,
                chat,
                self.clock() + exc.seconds,
                "429 retry later",
                count_attempt=False,
            )
            return False
        except Gone as exc:
            await self.queue.mark(broadcast_id, chat, UNSUBSCRIBED, _reason(exc))
            await self.unsubscribe(chat)
            return False
        except Transient as exc:
            if delivery.attempts + 1 >= self.max_attempts:
                await self.queue.mark(broadcast_id, chat, FAILED, _reason(exc))
            else:
                backoff = min(2.0**delivery.attempts, 60.0)
                await self.queue.retry_later(
                    broadcast_id, chat, self.clock() + backoff, _reason(exc), count_attempt=True
                )
            return False
        except Permanent as exc:
            await self.queue.mark(broadcast_id, chat, FAILED, _reason(exc))
            return False
        await self.queue.mark(broadcast_id, chat, SENT, now=self.clock())
        return True


def _reason(exc: Exception) -> str:
    """A delivery's last_error: the sender's own words, masked and bounded (review H1)."""
    return mask_secrets(str(exc))[:MAX_ERROR_TEXT]


async def cancel(queue: BroadcastQueue, broadcast_id: int) -> bool:
    return await queue.set_status(broadcast_id, CANCELLED)
