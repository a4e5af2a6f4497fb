"""Keep secrets out of every text an error becomes: database rows, logs, messages, CLI output.

A transport library's message may carry the request URL, and the Bot API's URL
carries the bot token (`…/bot<TOKEN>/sendMessage`): aiohttp's connect timeout
says "Connection timeout to host <url>", python-telegram-bot's InvalidToken
quotes the token. So no raw exception text is stored or printed without going
through `mask_secrets`, which replaces the secrets Vigie was given
(`remember_secret`) and anything shaped like a bot token.
"""

from __future__ import annotations

import logging
import re
import threading

# A bot token as @BotFather issues it: the bot's numeric id, a colon, 35 URL-safe characters.
# Shorter tails are matched too, so that a cut or test token is still hidden.
TOKEN_SHAPE = re.compile(r"\d{3,}:[A-Za-z0-9_-]{10,}")
MASK = "<secret>"
MAX_ERROR_TEXT = 200

_known: set[str] = set()
_lock = threading.Lock()


def remember_secret(value: str | bytes | None) -> None:
    """Mask `value` wherever it appears from now on (tokens, keys, webhook secrets)."""
    if not value:
        return
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    if len(text) >= 6:  # a shorter value would mask ordinary words
        with _lock:
            _known.add(text)


def mask_secrets(text: str) -> str:
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    return TOKEN_SHAPE.sub(MASK, text)


def error_text(exc: BaseException) -> str:
    """What may be stored or shown of an error: its type and its masked message, bounded."""
    message = mask_secrets(str(exc)).strip()
    name = type(exc).__name__
    text = f"{name}: {message}" if message and not message.startswith(name) else message or name
    return text[:MAX_ERROR_TEXT]


# Libraries whose errors the operator gets as one line: a rejected token or a network
# outage is theirs to fix, and a traceback through the library's internals only hides that.
ONE_LINE_LOGGERS = ("telegram", "httpx", "httpcore", "aiohttp", "tornado")


class MaskingFormatter(logging.Formatter):
    """Masks the whole formatted record, traceback included, whichever library logged it."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.name.split(".")[0] in ONE_LINE_LOGGERS:
            exc = record.exc_info[1]
            record = logging.makeLogRecord(record.__dict__)
            if exc is not None:
                record.msg, record.args = f"{record.getMessage()} ({error_text(exc)})", None
            record.exc_info = record.exc_text = None
        return mask_secrets(super().format(record))


def mask_log_handlers(logger: logging.Logger | None = None) -> None:
    """Give every handler of `logger` (the root by default) a masking formatter."""
    for handler in (logger or logging.getLogger()).handlers:
        current = handler.formatter
        if isinstance(current, MaskingFormatter):
            continue
        fmt = current._fmt if current is not None else None
        datefmt = current.datefmt if current is not None else None
        handler.setFormatter(MaskingFormatter(fmt, datefmt))
