"""One log line per Telegram outage, not one per retry.

python-telegram-bot retries polling with backoff and reports every failed
attempt to the error handlers. The request layer below tells this tracker
about each call's outcome: the first failure opens an incident (one ERROR
line), the first success after it closes it (one INFO line with the count).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger("vigie.telegram")


class Incidents:
    def __init__(self) -> None:
        self.failures = 0
        self.since: float | None = None

    @property
    def open(self) -> bool:
        return self.since is not None

    def failure(self, what: str) -> None:
        self.failures += 1
        if self.since is None:
            self.since = time.monotonic()
            log.error("Telegram unreachable (%s); retrying with backoff", what)

    def success(self) -> None:
        if self.since is not None:
            log.info("Telegram reachable again after %d failed call(s) in %.0f s",
                     self.failures, time.monotonic() - self.since)
        self.since = None
        self.failures = 0


class TrackedRequest(HTTPXRequest):
    """PTB's HTTPX request, reporting each call's outcome to an `Incidents` tracker."""

    def __init__(self, incidents: Incidents, **kwargs: Any):
        super().__init__(**kwargs)
        self.incidents = incidents

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            status, payload = await super().do_request(*args, **kwargs)
        except (TimedOut, NetworkError) as exc:
            self.incidents.failure(type(exc).__name__)
            raise
        if status >= 500:
            self.incidents.failure(f"HTTP {status}")
        else:
            self.incidents.success()
        return status, payload
