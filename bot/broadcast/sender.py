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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.broadcast.guard import GONE_QUORUM, GoneGuard, Suspension
from bot.broadcast.limiter import RateLimiter
from bot.broadcast.queue import (
    CANCELLED,
    DONE,
    FAILED,
    PAUSED,
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


class TextRefused(Exception):
    """Telegram refused the text itself (entities, length), even in plain text: it would
    refuse it for every member."""


class Sender(Protocol):
    async def send(self, chat_id: int, text: str, lang: str) -> None: ...


@dataclass
class Progress:
    info: BroadcastInfo
    started: float
    sent_this_run: int
    #: Set when the broadcast paused itself rather than harm every subscriber.
    suspension: Suspension | None = None

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
        gone_quorum: int = GONE_QUORUM,
    ):
        """`gone_quorum`: how many first results, all "gone", pause the broadcast (0: trust
        "gone" at once, e.g. when the admin resumes a broadcast after such a pause)."""
        self.queue = queue
        self.sender = sender
        self.limiter = limiter
        self.unsubscribe = unsubscribe
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.clock = clock
        self.gone_quorum = gone_quorum
        self.suspension: Suspension | None = None
        self._guard = GoneGuard(0)

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
        self.suspension = None
        self._guard = GoneGuard(min(self.gone_quorum, info.remaining))
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
                    for chat in self._guard.finished():
                        await self.unsubscribe(chat)
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
                    await on_progress(Progress(current, started, sent, self.suspension))
        # Paused or cancelled while chats were held: their subscriptions stay, and a resumed
        # broadcast asks Telegram again.
        for chat in self._guard.take_held():
            await self.queue.requeue(broadcast_id, chat)
        final = await self.queue.info(broadcast_id)
        if on_progress is not None and final is not None:
            await on_progress(Progress(final, started, sent, self.suspension))
        return final

    async def _suspend(self, broadcast_id: int, why: Suspension) -> None:
        if self.suspension is None:
            self.suspension = why
            log.warning("broadcast %d paused by itself: %s", broadcast_id, why.kind)
        await self.queue.set_status(broadcast_id, PAUSED)

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
            for gone in self._guard.gone(chat):
                await self.unsubscribe(gone)
            if self._guard.tripped:
                for held in self._guard.take_held():
                    await self.queue.requeue(broadcast_id, held)
                await self._suspend(broadcast_id, Suspension("gone", self._guard.quorum))
            return False
        except TextRefused as exc:
            await self.queue.retry_later(
                broadcast_id, chat, self.clock(), _reason(exc), count_attempt=False
            )
            await self._suspend(broadcast_id, Suspension("refused", description=_reason(exc)))
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
        for gone in self._guard.accepted():
            await self.unsubscribe(gone)
        return True


def _reason(exc: Exception) -> str:
    """A delivery's last_error: the sender's own words, masked and bounded (review H1)."""
    return mask_secrets(str(exc))[:MAX_ERROR_TEXT]


async def cancel(queue: BroadcastQueue, broadcast_id: int) -> bool:
    return await queue.set_status(broadcast_id, CANCELLED)
