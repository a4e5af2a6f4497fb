"""The rate limit shared by broadcasts and interactive replies.

Telegram allows about 30 messages per second overall and one per second per chat.
Interactive replies are noted in the same window but never wait: the broadcast yields
to them.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

# The per-chat spacing only needs the last second; older entries are dropped once there are
# this many (amortised: at Telegram's 30 messages/s, about 30 are recent at any time).
_PER_CHAT_PRUNE_ABOVE = 1_000


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
        self._forget_before(now)
        self._sent.append(now)
        if chat_id is not None:
            self._per_chat[chat_id] = now

    def _forget_before(self, now: float) -> None:
        """Drop what no longer limits anything: without broadcasts, only interactive replies
        come here, and they must not pile up until the next broadcast."""
        # The same expression as the wait in `acquire`: with `now - sent >= window` here,
        # rounding could both keep the oldest entry and find no wait, letting any number
        # of messages through at that instant.
        while self._sent and self._sent[0] + self.window <= now:
            self._sent.popleft()
        if len(self._per_chat) > _PER_CHAT_PRUNE_ABOVE:
            self._per_chat = {c: t for c, t in self._per_chat.items() if now - t < 1.0}

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, chat_id: int) -> None:
        async with self._lock:
            while True:
                now = self.clock()
                self._forget_before(now)
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
                    return
                await asyncio.sleep(wait)
