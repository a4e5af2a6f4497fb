"""Stores: one contract, two implementations (SQLite, memory); migrations; errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.flows.engine import FlowState, Step
from bot.core.session import LastMatch, Session
from bot.storage.database import MIGRATIONS, Database, DatabaseError
from bot.storage.stores import (
    MemorySessions,
    MemoryStats,
    MemorySubscriptions,
    SqliteSessions,
    SqliteStats,
    SqliteSubscriptions,
)


@pytest.fixture(params=["sqlite", "memory"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple]:
    if request.param == "memory":
        yield MemorySessions(), MemorySubscriptions(), MemoryStats()
        return
    async with Database(tmp_path / "v.db") as db:
        yield SqliteSessions(db), SqliteSubscriptions(db), SqliteStats(db)


async def test_sessions_contract(stores: tuple) -> None:
    sessions = stores[0]
    assert await sessions.get("k") is None
    await sessions.put("k", Session(lang="en", updated_at=100.0))
    await sessions.put("old", Session(updated_at=10.0))
    assert (await sessions.get("k")).lang == "en"
    await sessions.put("k", Session(lang="fr", updated_at=200.0))
    assert (await sessions.get("k")).lang == "fr"
    assert await sessions.purge(50.0) == 1
    assert await sessions.get("old") is None
    await sessions.delete("k")
    assert await sessions.get("k") is None


async def test_subscriptions_contract(stores: tuple) -> None:
    subs = stores[1]
    await subs.put(5, "fr", ("urgent",))
    await subs.put(6, "en", ("urgent", "cnil"))
    await subs.put(5, "en", ("cnil",))
    assert (await subs.get(5)).categories == ("cnil",)
    assert [s.chat_id for s in await subs.all("cnil")] == [5, 6]
    assert [s.chat_id for s in await subs.all("urgent")] == [6]
    assert await subs.delete(5) is True
    assert await subs.delete(5) is False


async def test_stats_contract(stores: tuple) -> None:
    stats = stores[2]
    await stats.count_topic("2026-01-01", "gdpr.dpo", "answer")
    await stats.count_topic("2026-01-01", "gdpr.dpo", "answer")
    await stats.count_event("2026-01-02", "verdict:x")
    assert await stats.topics("2026-01-01") == [("2026-01-01", "gdpr.dpo", "answer", 2)]
    assert await stats.events("2026-01-03") == []


@pytest.mark.parametrize("applied", range(len(MIGRATIONS)))
async def test_migrations_apply_from_every_earlier_version(tmp_path: Path, applied: int) -> None:
    path = tmp_path / "v.db"
    db = Database(path)
    db._conn = await aiosqlite.connect(path, isolation_level=None)  # an older release's schema
    await db._migrate(upto=applied)
    assert len(await db.applied()) == applied
    await db.close()
    async with Database(path) as reopened:
        assert await reopened.applied() == sorted(name for name, _ in MIGRATIONS)
        tables = {r[0] for r in await reopened.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"sessions", "subscriptions", "deliveries", "unmatched", "reminders"} <= tables


async def test_database_in_an_impossible_place_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseError, match="cannot create the folder"):
        await Database(blocker / "vigie.db").open()


async def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="cannot use the database"):
        await Database(path).open()


answers = st.dictionaries(st.sampled_from(["role", "scale", "aware_at"]),
                          st.text(max_size=20), max_size=3)


@settings(deadline=None)  # a loaded machine must not make it flaky
@given(
    lang=st.sampled_from([None, "fr", "en"]),
    answered=answers,
    seq=st.integers(0, 10_000),
    score=st.floats(0, 100, allow_nan=False),
    example=st.one_of(st.none(), st.text(max_size=40)),
)
def test_session_round_trips_through_json(lang: str | None, answered: dict[str, str], seq: int,
                                          score: float, example: str | None) -> None:
    flow = FlowState("breach_notification", "role", dict(answered),
                     [Step("personal_data", list(answered))], "ask", seq, 12.5)
    session = Session(lang, flow, LastMatch("gdpr.dpo", "answer", score, example, "fr"), 1.0, 2.0)
    again = Session.from_json(session.to_json())
    assert again == session


async def test_deleted_rows_are_overwritten_on_the_live_connection(tmp_path: Path) -> None:
    # /oubli must really erase; some SQLite builds default to secure_delete off.
    async with Database(tmp_path / "v.db") as db:
        assert await db.fetchone("PRAGMA secure_delete") == (1,)
