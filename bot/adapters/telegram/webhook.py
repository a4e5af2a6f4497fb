"""Harden python-telegram-bot's webhook server: body size, secret check, refusals.

python-telegram-bot's webhook server is tornado's HTTPServer with its default
100 MB body limit; a Telegram update is a few kilobytes. Vigie builds that
server with a 1 MiB limit, so an oversized body is refused before it is read
into memory (tests/test_webhook_limits.py).

PTB compares the secret-token header with `!=` and refuses silently; Vigie's
handler compares it with `hmac.compare_digest` and counts refused requests in
one rate-limited log line (tests/test_webhook_hardening.py).
"""

from __future__ import annotations

import functools
import hmac
import logging
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, NoReturn

import tornado.web
from telegram.ext._utils import webhookhandler

log = logging.getLogger("vigie")

MAX_BODY_BYTES = 1024 * 1024


def limit_webhook_bodies(max_bytes: int = MAX_BODY_BYTES) -> None:
    server: Any = getattr(webhookhandler, "HTTPServer")  # noqa: B009 - not re-exported
    original = getattr(server, "func", server)
    limited = functools.partial(original, max_body_size=max_bytes, max_buffer_size=max_bytes * 2)
    setattr(webhookhandler, "HTTPServer", limited)  # noqa: B010


class RejectedRequests:
    """Counts webhook requests refused for their secret or type; logs at most once a minute.

    Never logs the header's value: a near miss would tell a reader most of the secret.
    """

    def __init__(self, every_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.total = 0
        self.every_seconds = every_seconds
        self.clock = clock
        self._unreported = 0
        self._last_report: float | None = None

    def note(self, reason: str) -> None:
        self.total += 1
        self._unreported += 1
        now = self.clock()
        if self._last_report is None or now - self._last_report >= self.every_seconds:
            log.warning(
                "webhook: %d request(s) refused since the last report (latest: %s); "
                "%d in all since start",
                self._unreported,
                reason,
                self.total,
            )
            self._unreported = 0
            self._last_report = now


rejected_requests = RejectedRequests()


class _CheckedTelegramHandler(webhookhandler.TelegramHandler):
    """PTB's handler, with the secret compared in constant time and refusals counted."""

    def _validate_post(self) -> None:
        if self.request.headers.get("Content-Type", None) != "application/json":
            self._refuse("not JSON")
        if self.secret_token is not None:
            given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token") or ""
            if not given:
                self._refuse("no secret token")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                self._refuse("wrong secret token")

    def _refuse(self, reason: str) -> NoReturn:
        rejected_requests.note(reason)
        raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)


def check_webhook_secrets() -> None:
    """Make PTB's webhook server use `_CheckedTelegramHandler` (it looks the name up)."""
    setattr(webhookhandler, "TelegramHandler", _CheckedTelegramHandler)  # noqa: B010
