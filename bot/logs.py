"""Logging that cannot leak what members typed or who they are.

Third-party libraries log whole requests at DEBUG: aiosqlite logs every SQL
statement with its parameters (chat ids), python-telegram-bot and httpx log
updates and URLs (message texts, the token). They are pinned at WARNING
whatever level the operator chooses for Vigie's own loggers, which never
log ids or texts (tests/test_privacy.py checks both).
"""

from __future__ import annotations

import logging

from bot.privacy.secrets import mask_log_handlers

QUIET_LIBRARIES = ("aiosqlite", "telegram", "httpx", "httpcore", "apscheduler", "tornado",
                   "asyncio", "hpack")


def configure_logging(level: int | str = logging.INFO) -> None:
    logging.basicConfig(level=level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    mask_log_handlers()
    pin_third_party_loggers()


def pin_third_party_loggers() -> None:
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    redact_library_payloads()


class _RedactPayloads(logging.Filter):
    """PTB's webhook handler logs a malformed update's whole payload at CRITICAL."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "received data" in str(record.msg).lower():
            record.msg = "A malformed update was received and dropped (payload redacted)"
            record.args = ()
        return True


_REDACT = _RedactPayloads()


def redact_library_payloads() -> None:
    for name in ("telegram.ext.Updater", "telegram.ext._utils.webhookhandler"):
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)
