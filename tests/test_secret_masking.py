"""Masking secrets, in memory only: which values are remembered, in which order they are
hidden, what an error becomes, and how log handlers get the masking formatter."""

from __future__ import annotations

import logging
import sys
from secrets import token_hex

from bot.privacy.secrets import (
    MASK,
    MaskingFormatter,
    error_text,
    mask_log_handlers,
    mask_secrets,
    remember_secret,
)


def test_values_shorter_than_six_characters_are_not_remembered() -> None:
    # Values drawn afresh: what an earlier test in this process remembered stays
    # remembered (mutmut's workers fork from a process that ran the tests once).
    five, six = token_hex(3)[:5], token_hex(3)
    remember_secret(five)
    remember_secret("")
    remember_secret(None)
    assert mask_secrets(f"code {five}") == f"code {five}"
    remember_secret(six)
    assert mask_secrets(f"code {six}") == f"code {MASK}"


def test_a_secret_given_as_bytes_is_masked_as_text() -> None:
    remember_secret(b"bytes-secret-\xc3\xa9t\xc3\xa9")
    assert mask_secrets("key bytes-secret-été end") == f"key {MASK} end"


def test_a_secret_in_bytes_that_are_not_utf8_is_still_remembered() -> None:
    remember_secret(b"raw-key-\xff\xfe-bytes")
    assert mask_secrets("key raw-key-\ufffd\ufffd-bytes end") == f"key {MASK} end"


def test_a_longer_secret_that_contains_a_shorter_one_is_hidden_whole() -> None:
    remember_secret("tkn-inner-42")
    remember_secret("a-tkn-inner-42-outer")  # sorts before the inner one as text
    assert mask_secrets("[a-tkn-inner-42-outer]") == f"[{MASK}]"
    assert mask_secrets("[tkn-inner-42]") == f"[{MASK}]"


def test_an_error_becomes_its_type_and_its_masked_message() -> None:
    remember_secret("error-secret-value")
    assert error_text(RuntimeError(" failed with error-secret-value ")) == (
        f"RuntimeError: failed with {MASK}"
    )
    assert error_text(RuntimeError("RuntimeError: already named")) == (
        "RuntimeError: already named"
    )
    assert error_text(KeyError()) == "KeyError"
    assert error_text(ValueError("   ")) == "ValueError"
    assert error_text(ValueError("x" * 300)) == "ValueError: " + "x" * 188


def record_with_error(name: str, message: str = "Aborting") -> logging.LogRecord:
    record = logging.LogRecord(name, logging.ERROR, __file__, 1, message, None, None)
    try:
        raise RuntimeError("The token 123456:ABCDEFGHIJKLMNOP was rejected")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    return record


def test_a_librarys_error_is_one_line_and_the_original_record_is_left_whole() -> None:
    formatter = MaskingFormatter("%(name)s: %(message)s")
    for name in ("httpx", "telegram.ext.Application", "aiohttp.client"):
        record = record_with_error(name)
        assert formatter.format(record) == (
            f"{name}: Aborting (RuntimeError: The token {MASK} was rejected)"
        )
        assert record.exc_info is not None and record.msg == "Aborting"


def test_our_own_errors_keep_their_traceback_masked() -> None:
    formatted = MaskingFormatter("%(name)s: %(message)s").format(record_with_error("vigie"))
    lines = formatted.splitlines()
    assert lines[0] == "vigie: Aborting" and lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == f"RuntimeError: The token {MASK} was rejected"
    formatted = MaskingFormatter("%(message)s").format(record_with_error("telegramx"))
    assert "Traceback" in formatted


def test_a_librarys_message_without_error_is_masked_as_it_is() -> None:
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1,
                               "POST https://api.telegram.org/bot%s/getMe",
                               ("123456:ABCDEFGHIJKLM",), None)
    assert MaskingFormatter("%(message)s").format(record) == (
        f"POST https://api.telegram.org/bot{MASK}/getMe"
    )


def test_every_handler_gets_a_masking_formatter_that_keeps_its_format() -> None:
    logger = logging.getLogger("tests.masking")
    already = logging.StreamHandler()
    kept = MaskingFormatter("kept %(message)s")
    already.setFormatter(kept)
    plain = logging.StreamHandler()
    formatted = logging.StreamHandler()
    formatted.setFormatter(logging.Formatter("%(levelname)s %(message)s", "%H:%M"))
    for handler in (already, plain, formatted):
        logger.addHandler(handler)
    try:
        mask_log_handlers(logger)
    finally:
        for handler in (already, plain, formatted):
            logger.removeHandler(handler)
    assert already.formatter is kept
    assert isinstance(plain.formatter, MaskingFormatter)
    assert plain.formatter._fmt == "%(message)s" and plain.formatter.datefmt is None
    assert isinstance(formatted.formatter, MaskingFormatter)
    assert formatted.formatter._fmt == "%(levelname)s %(message)s"
    assert formatted.formatter.datefmt == "%H:%M"


def test_the_root_loggers_handlers_are_masked_by_default() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        mask_log_handlers()
    finally:
        root.removeHandler(handler)
    assert isinstance(handler.formatter, MaskingFormatter)
