"""Pseudonymous keys: HMAC-SHA256 of Telegram ids with a secret kept outside the database.

Someone who copies the database file cannot reverse the keys, nor test a
guessed id against them, without also having the secret.

The key file is trusted only if it is a regular file (not a symbolic link)
owned by the user running Vigie and closed to everyone else (mode 0600):
whoever could plant or read it would know the HMAC key and the derived webhook
secret. It is created whole or not at all (written to a temporary file, synced,
then linked into place), so two first starts at once agree on one key.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import secrets
import stat
import time
from pathlib import Path

from bot.privacy.filemodes import make_private_dir

KEY_FILE_NAME = "vigie.key"
MIN_KEY_CHARS = 32
_MAX_KEY_FILE_BYTES = 4096
_ATTEMPTS = 5


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
        for attempt in range(_ATTEMPTS):
            with contextlib.suppress(FileNotFoundError):
                return _read(key_file)
            try:
                return _create(key_file)
            except FileExistsError:  # another start created it meanwhile: read theirs
                time.sleep(0.01 * (attempt + 1))
        return _read(key_file)
    except FileNotFoundError:
        raise SecretError(f"the key file {key_file} keeps disappearing; check the folder") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SecretError(
                f"the key file {key_file} is a symbolic link: replace it with the file itself"
            ) from None
        raise SecretError(f"cannot read or create the key file {key_file}: {exc.strerror}") from exc


def _read(key_file: Path) -> bytes:
    fd = os.open(key_file, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SecretError(f"the key file {key_file} is not a regular file")
        if info.st_uid != os.getuid():
            raise SecretError(
                f"the key file {key_file} belongs to another user (uid {info.st_uid}): "
                "it must belong to the user running Vigie"
            )
        if info.st_mode & 0o077:
            raise SecretError(
                f"the key file {key_file} can be read or changed by other users "
                f"(mode {stat.S_IMODE(info.st_mode):04o}): run chmod 600 {key_file}"
            )
        raw = os.read(fd, _MAX_KEY_FILE_BYTES + 1)
    finally:
        os.close(fd)
    try:
        value = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        value = ""
    if len(value) < MIN_KEY_CHARS or len(raw) > _MAX_KEY_FILE_BYTES or not value.isprintable():
        raise SecretError(
            f"the key file {key_file} is damaged (empty, too short or not text): restore it "
            "from a backup; deleting it makes a new key and forgets every session"
        )
    return value.encode()


def _create(key_file: Path) -> bytes:
    make_private_dir(key_file.parent)
    value = secrets.token_hex(32)
    temporary = key_file.with_name(f".{key_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
    )
    try:
        try:
            os.write(fd, (value + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(temporary, key_file)  # atomic, and fails if the key file exists
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    with contextlib.suppress(OSError):  # make the new name durable too
        folder = os.open(key_file.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    return value.encode()
