"""`vigie stats` speaks the staff's language, and says so when there is nothing to show."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

import bot.cli
from bot.storage.database import Database
from bot.storage.stores import SqliteStats


async def record(path: Path, day: str) -> None:
    async with Database(path) as db:
        stats = SqliteStats(db)
        for topic, decision in [("breach.deadline", "answer")] * 3 + [
            ("breach.deadline", "clarify"),
            ("-", "fallback"),
        ]:
            await stats.count_topic(day, topic, decision)


def test_stats_name_each_decision_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "vigie.db"
    today = dt.date.today().isoformat()
    asyncio.run(record(path, today))
    monkeypatch.setenv("VIGIE_DB", str(path))
    assert bot.cli.main(["stats"]) == 0
    out = capsys.readouterr().out
    assert f"{today}  3 réponses directes, 1 fois plusieurs sujets proposés, 1 non comprises" in out
    assert "    4  breach.deadline" in out
    assert "clarify" not in out and "fallback" not in out


def test_stats_on_an_empty_database_say_there_is_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIGIE_DB", str(tmp_path / "vigie.db"))
    assert bot.cli.main(["stats", "--days", "7"]) == 0
    assert "Aucune activité enregistrée depuis le" in capsys.readouterr().out
