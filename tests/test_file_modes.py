"""Vigie's folders are 0700 and its database files 0600 whatever the umask; files found
more open are tightened and the operator is told once (security review M2)."""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.privacy.filemodes import ensure_private_file, make_private_dir, tighten_database_files


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def strict_umask() -> Iterator[None]:
    """A umask that would also take the owner's own bits away."""
    before = os.umask(0o277)
    yield
    os.umask(before)


def test_missing_folders_are_created_private_whatever_the_umask(
    tmp_path: Path, strict_umask: None
) -> None:
    folder = tmp_path / "a" / "b" / "c"
    make_private_dir(folder)
    for path in (tmp_path / "a", tmp_path / "a" / "b", folder):
        assert mode(path) == 0o700, path


def test_an_existing_folder_is_left_as_it_is(tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o750)
    with caplog.at_level(logging.WARNING, logger="vigie.storage"):
        make_private_dir(folder)
    assert mode(folder) == 0o750
    assert caplog.records == []


@pytest.mark.parametrize("open_mode", [0o701, 0o704, 0o702, 0o777])
def test_a_folder_open_to_every_local_user_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, open_mode: int
) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(open_mode)
    with caplog.at_level(logging.WARNING, logger="vigie.storage"):
        make_private_dir(folder)
    assert [r.getMessage() for r in caplog.records] == [
        f"the folder {folder} is open to every local user: keep Vigie's data in a folder only "
        "its user can read (chmod 700)"
    ]


def test_a_file_where_a_folder_should_be_is_not_a_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(NotADirectoryError) as caught:
        make_private_dir(blocker)
    assert caught.value.errno == errno.ENOTDIR and caught.value.filename == str(blocker)
    assert caught.value.strerror == os.strerror(errno.ENOTDIR)


def test_a_new_file_is_empty_and_0600_whatever_the_umask(
    tmp_path: Path, strict_umask: None
) -> None:
    path = tmp_path / "vigie.db"
    ensure_private_file(path)
    assert mode(path) == 0o600 and path.read_bytes() == b""


@pytest.mark.parametrize("found", [0o644, 0o640, 0o604, 0o610, 0o601])
def test_a_file_others_can_use_is_tightened_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, found: int
) -> None:
    path = tmp_path / "vigie.db"
    path.write_bytes(b"data")
    path.chmod(found)
    with caplog.at_level(logging.WARNING, logger="vigie.storage"):
        ensure_private_file(path)
    assert mode(path) == 0o600 and path.read_bytes() == b"data"
    assert [r.getMessage() for r in caplog.records] == [
        f"vigie.db was readable by other users (mode {found:o}): now 0600"]


@pytest.mark.parametrize("found", [0o600, 0o400, 0o700])
def test_a_file_only_its_owner_can_use_is_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, found: int
) -> None:
    path = tmp_path / "vigie.db"
    path.write_bytes(b"data")
    path.chmod(found)
    with caplog.at_level(logging.WARNING, logger="vigie.storage"):
        ensure_private_file(path)
    assert mode(path) == found and caplog.records == []


def test_the_database_and_the_companions_it_has_are_made_private(tmp_path: Path) -> None:
    database = tmp_path / "vigie.db"
    wal = tmp_path / "vigie.db-wal"
    journal = tmp_path / "vigie.db-journal"
    for path in (wal, journal):
        path.write_bytes(b"pages")
        path.chmod(0o644)
    tighten_database_files(database)
    assert mode(database) == 0o600 and mode(wal) == 0o600 and mode(journal) == 0o600
    assert not (tmp_path / "vigie.db-shm").exists()
    shm = tmp_path / "vigie.db-shm"
    shm.write_bytes(b"")
    shm.chmod(0o666)
    tighten_database_files(database)
    assert mode(shm) == 0o600
