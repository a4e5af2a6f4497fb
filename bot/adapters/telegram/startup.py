"""Wait for Telegram at start: retried for ever with a growing, capped delay.

A service started before the network (a server that boots, a box that
reconnects) must wait rather than exit: systemd restarts are not a retry
policy. python-telegram-bot's own bootstrap loop (`bootstrap_retries=-1`)
retries for ever too, but it logs attempts at DEBUG only, retries a timed-out
call at once with no delay, and its base and cap (1 s, 30 s) are fixed; it
still handles the steps after this one (deleteWebhook / setWebhook), which
`run_bot` asks for. Here each failed attempt is one WARNING line, never a
traceback, and the delays are injectable so tests do not sleep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.error import InvalidToken, NetworkError, RetryAfter

from bot.privacy.secrets import error_text

log = logging.getLogger("vigie.telegram")


@dataclass(frozen=True)
class Backoff:
    """Delays base, base*factor, ... capped at cap (seconds)."""

    base: float = 1.0
    cap: float = 30.0
    factor: float = 2.0

    def delays(self) -> Callable[[], float]:
        current = [self.base]

        def next_delay() -> float:
            delay = current[0]
            current[0] = min(self.cap, delay * self.factor)
            return delay

        return next_delay


#: What `vigie run` uses: 1 s, 2 s, 4 s ... then every 30 s (PTB's own cap), for ever.
START_BACKOFF = Backoff(base=1.0, cap=30.0)


async def wait_for_telegram(
    initialize: Callable[[], Awaitable[object]],
    backoff: Backoff = START_BACKOFF,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> int:
    """Call `initialize` (getMe) until Telegram answers; return the number of failed tries.

    A refused token (InvalidToken) is not retried: the operator must fix it.
    """
    next_delay = backoff.delays()
    failures = 0
    while True:
        try:
            await initialize()
        except InvalidToken:
            raise
        except NetworkError as exc:  # TimedOut included; 502 is a NetworkError in PTB
            failures += 1
            delay = next_delay()
            log.warning(
                "Telegram injoignable au démarrage (essai %d : %s) ; nouvel essai dans %.1f s",
                failures, _reason(exc), delay,
            )  # fmt: skip
            await sleep(delay)
        except RetryAfter as exc:
            failures += 1
            delay = max(next_delay(), _retry_after_seconds(exc))
            log.warning("Telegram demande d'attendre (essai %d) ; nouvel essai dans %.1f s",
                        failures, delay)
            await sleep(delay)
        else:
            if failures:
                log.info("Telegram joignable après %d essai(s) manqué(s)", failures)
            return failures


def _reason(exc: Exception) -> str:
    return error_text(exc).replace("\n", " ")


def _retry_after_seconds(exc: RetryAfter) -> float:
    return float(exc.retry_after if isinstance(exc.retry_after, int | float)
                 else exc.retry_after.total_seconds())
