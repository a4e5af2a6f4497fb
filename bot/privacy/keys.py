"""Pseudonymous keys: HMAC-SHA256 of Telegram ids with a secret kept outside the database.

Someone who copies the database file cannot reverse the keys, nor test a
guessed id against them, without also having the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE_NAME = "vigie.key"


class SecretError(Exception):
    """The secret cannot be read or created; one sentence for the operator."""


def user_key(secret: bytes, user_id: int) -> str:
    return hmac.new(secret, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()


def load_or_create_secret(explicit: str | None, key_file: Path) -> bytes:
    """The secret from VIGIE_SECRET, else from the 0600 key file (created on first run)."""
    if explicit:
        if len(explicit) < 16:
            raise SecretError("VIGIE_SECRET must be at least 16 characters long")
        return explicit.encode()
    try:
        if key_file.exists():
            try:
                value = key_file.read_text(encoding="ascii").strip()
            except UnicodeDecodeError:
                raise SecretError(f"the key file {key_file} is damaged (not text)") from None
            if len(value) < 32:
                raise SecretError(f"the key file {key_file} is damaged (too short)")
            return value.encode()
        key_file.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
        return value.encode()
    except OSError as exc:
        raise SecretError(f"cannot read or create the key file {key_file}: {exc.strerror}") from exc
