"""`vigie --help`: every argument explained, every command with an example (#15);
`vigie broadcast send --dry-run` previews without a token."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli_parser import build_parser
from bot.storage.database import Database
from bot.storage.stores import SqliteSubscriptions
from tests.test_console import vigie


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


def test_every_argument_of_every_command_has_a_help_text_and_every_command_an_example() -> None:
    found = list(commands(build_parser()))
    assert len(found) > 15
    for path, parser in found:
        assert parser.epilog and parser.epilog.startswith("examples:\n"), path
        assert " ".join(("vigie", *path)) in parser.epilog, path
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, (path, action.dest)
        help_text = parser.format_help()
        assert "examples:" in help_text, path


def test_help_runs_for_a_sub_command_without_any_configuration() -> None:
    result = vigie("broadcast", "send", "--help")
    assert result.returncode == 0
    assert "--dry-run" in result.stdout and "vigie broadcast send alerte.md" in result.stdout
    init = vigie("init", "--help")
    assert "--privacy-url" in init.stdout and "a folder that does not exist yet" in init.stdout


def test_a_dry_run_counts_recipients_from_the_database_without_a_token(tmp_path: Path) -> None:
    db_path = tmp_path / "vigie.db"

    async def subscribe() -> None:
        async with Database(db_path) as db:
            subscriptions = SqliteSubscriptions(db)
            for chat in (11, 12, 13):
                await subscriptions.put(chat, "fr", ("urgent",))
            await subscriptions.put(14, "fr", ("cnil",))

    asyncio.run(subscribe())
    alert = tmp_path / "alerte.md"
    alert.write_text("---\ncategory: urgent\n---\n<b>Faille VPN</b> : mettez à jour.\n")
    result = vigie("broadcast", "send", str(alert), "--dry-run",
                   env={"VIGIE_DB": str(db_path), "VIGIE_SECRET": "d" * 32})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Faille VPN : mettez à jour." in result.stdout
    assert "-> 3 recipient(s), category urgent" in result.stdout
    assert "nothing queued, nothing sent" in result.stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM broadcasts").fetchone() == (0,)


@pytest.mark.parametrize("flag", ["--yes", None])
def test_without_dry_run_the_token_is_still_required(tmp_path: Path, flag: str | None) -> None:
    alert = tmp_path / "alerte.md"
    alert.write_text("Mettez à jour le VPN.\n")
    args = ["broadcast", "send", str(alert), *([flag] if flag else [])]
    result = vigie(*args, env={"VIGIE_DB": str(tmp_path / "v.db"), "VIGIE_SECRET": "d" * 32})
    assert result.returncode == 2 and "TELEGRAM_BOT_TOKEN" in result.stderr
