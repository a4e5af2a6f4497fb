"""Files only the bot's user can read, whatever the umask (security review M2).

SQLite creates the database, its WAL and its shared-memory file with
0666 & ~umask: 0644 under the usual umask, so any local user could read the
subscribers' chat ids and the flow answers. Vigie creates its folders 0700 and
the database 0600 before SQLite opens it (SQLite gives the WAL and shm files the
database's own mode), and tightens files it finds more open, saying so once.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("vigie.storage")

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dir(folder: Path) -> None:
    """Create `folder` and any missing parent 0700; an existing folder is left as it is."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue  # another process created it first
        os.chmod(path, PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    if folder.stat().st_mode & 0o007:
        log.warning(
            "the folder %s is open to every local user: keep Vigie's data in a folder only "
            "its user can read (chmod 700)", folder,
        )


def ensure_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600, or tighten it to 0600 if others can read it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, PRIVATE_FILE)
            log.warning("%s was readable by other users (mode %o): now 0600", path.name, mode)
        return
    os.close(fd)
    os.chmod(path, PRIVATE_FILE)  # in case the umask removed owner bits


def tighten_database_files(database: Path) -> None:
    """The database and its -wal, -shm and -journal companions: 0600 each."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        companion = Path(f"{database}{suffix}")
        if suffix == "" or companion.exists():
            ensure_private_file(companion)
