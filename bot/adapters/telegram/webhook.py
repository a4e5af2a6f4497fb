"""Limit the size of webhook requests.

python-telegram-bot's webhook server is tornado's HTTPServer with its default
100 MB body limit; a Telegram update is a few kilobytes. Vigie builds that
server with a 1 MiB limit, so an oversized body is refused before it is read
into memory (tests/test_webhook_limits.py).
"""

from __future__ import annotations

import functools
from typing import Any

from telegram.ext._utils import webhookhandler

MAX_BODY_BYTES = 1024 * 1024


def limit_webhook_bodies(max_bytes: int = MAX_BODY_BYTES) -> None:
    server: Any = getattr(webhookhandler, "HTTPServer")  # noqa: B009 - not re-exported
    original = getattr(server, "func", server)
    limited = functools.partial(original, max_body_size=max_bytes, max_buffer_size=max_bytes * 2)
    setattr(webhookhandler, "HTTPServer", limited)  # noqa: B010
