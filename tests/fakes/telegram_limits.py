"""Telegram's flood limits, as the fake Bot API enforces them when asked to.

Telegram documents them loosely ("about 30 messages per second" for a bot, "avoid more
than one message per second" in a chat, though "short bursts" pass, "20 messages per
minute" in a group) and answers ``429 Too Many Requests: retry after N`` with
``parameters.retry_after`` past them. A private chat here takes `chat_burst` messages at
once, then one a second on average (a reply of a few messages is not a flood).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimits:
    """Sliding windows over accepted messages; `check` raises nothing, it returns the
    seconds to wait (0 when the message may go now, and it is then counted)."""

    per_bot: int = 30  # per second
    per_chat: int = 1  # per second, private chats, on average
    chat_burst: int = 3  # at once in a private chat
    per_group: int = 20  # per minute, groups and supergroups
    clock: Callable[[], float] = time.monotonic
    _bot: deque[float] = field(default_factory=deque)
    _chats: dict[int, deque[float]] = field(default_factory=dict)

    def check(self, chat_id: int, now: float | None = None) -> float:
        now = self.clock() if now is None else now
        group = chat_id < 0
        chat = self._chats.setdefault(chat_id, deque())
        waits = [
            _wait(self._bot, self.per_bot, 1.0, now),
            _wait(chat, self.per_group, 60.0, now)
            if group
            else _wait(chat, self.chat_burst, self.chat_burst / self.per_chat, now),
        ]
        wait = max(waits)
        if wait <= 0:
            self._bot.append(now)
            chat.append(now)
        return wait

    @staticmethod
    def retry_after(wait: float) -> int:
        """Telegram's retry_after: whole seconds, at least 1."""
        return max(1, math.ceil(wait))


def _wait(times: deque[float], limit: int, window: float, now: float) -> float:
    while times and times[0] + window <= now:
        times.popleft()
    if len(times) < limit:
        return 0.0
    return times[0] + window - now
