"""Erasure that erases, and files nobody else can read (security review M2, M3, L1).

The bot runs for real (python-telegram-bot against the fake Bot API, a SQLite file
in WAL mode); the files are read while it runs, as a neighbour on the server or
a backup taken at that moment would read them.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.privacy.keys import load_or_create_secret
from bot.storage.database import Database
from tests.e2e_support import Harness, Launch
from tests.test_telegram_e2e import integer_encodings, leaks

MEMBER = 555_123_777


@pytest.fixture
async def bot(launch: Launch) -> Harness:
    """`vigie run` on a fresh database, against the fake Bot API (tests/e2e_support.py)."""
    return await launch()


async def subscribe_and_start_a_flow(bot: Harness) -> None:
    member = bot.chat(MEMBER)
    await member.send("/alertes")
    await member.send("/notifier")
    await member.click("Oui")
    await member.click("Mes données (responsable)")
    assert bot.query("SELECT chat_id FROM subscriptions") == [(MEMBER,)]
    assert bot.count("sessions") == 1
    assert any(b'"personal_data"' in blob for blob in bot.database_bytes().values())


async def test_oubli_leaves_no_copy_in_the_files_while_the_bot_runs(bot: Harness) -> None:
    await subscribe_and_start_a_flow(bot)
    replies = await bot.chat(MEMBER).send("/oubli")
    assert "effacé" in replies[-1].text

    files = bot.database_bytes()  # the bot is still running
    assert bot.count("sessions") == 0 and bot.count("subscriptions") == 0
    assert leaks(files, [*integer_encodings(MEMBER), b'"personal_data"', b'"controller"']) == []
    assert files.get("vigie.db-wal", b"") == b""  # truncated after the erasure


async def test_a_finished_flow_leaves_no_answer_in_the_files(bot: Harness) -> None:
    member = bot.chat(MEMBER)
    await member.send("/notifier")
    await member.click("Oui")
    await member.click("Pour un autre (sous-traitant)")
    await member.click("✅ Voir le résultat")
    assert any("Vous êtes sous-traitant" in reply.text for reply in member.history)
    assert leaks(bot.database_bytes(), [b'"processor"', b'"personal_data"']) == []


async def test_oubli_in_a_group_erases_the_members_own_subscription(bot: Harness) -> None:
    await bot.chat(MEMBER).send("/alertes")
    assert bot.query("SELECT chat_id FROM subscriptions") == [(MEMBER,)]
    group = bot.chat(MEMBER, chat_id=-4_000_777)
    replies = await group.send("/oubli@vigie_test_bot")
    assert "abonnement" in replies[-1].text
    assert bot.count("subscriptions") == 0


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
async def test_data_files_and_folders_are_private_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "data" / "sub" / "vigie.db"
    async with Database(path) as db:
        await db.write("INSERT INTO counters (day, name, count) VALUES ('d', 'n', 1)")
        assert Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
        for created in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert mode(created) == 0o600, created.name
    assert mode(tmp_path / "data") == 0o700 and mode(tmp_path / "data" / "sub") == 0o700

    load_or_create_secret(None, tmp_path / "keys" / "vigie.key")
    assert mode(tmp_path / "keys") == 0o700 and mode(tmp_path / "keys" / "vigie.key") == 0o600


@pytest.mark.usefixtures("open_umask")
async def test_an_existing_readable_database_is_tightened_and_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "vigie.db"
    async with Database(path):
        pass
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="vigie.storage"):
        async with Database(path):
            assert mode(path) == 0o600
        async with Database(path):
            pass
    said = [r.getMessage() for r in caplog.records if "readable by other users" in r.getMessage()]
    assert said == ["vigie.db was readable by other users (mode 644): now 0600"]
