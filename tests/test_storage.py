"""Stores: one contract, two implementations (SQLite, memory); migrations; errors."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sqlite3
import stat
import time
from collections.abc import AsyncIterator
from dataclasses import replace
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


async def test_a_session_idle_exactly_until_the_cut_off_is_kept(stores: tuple) -> None:
    sessions = stores[0]
    await sessions.put("edge", Session(updated_at=50.0))
    await sessions.put("older", Session(updated_at=49.5))
    assert await sessions.purge(50.0) == 1
    assert await sessions.get("edge") is not None
    assert await sessions.get("older") is None


async def test_deleting_a_session_that_does_not_exist_is_harmless(stores: tuple) -> None:
    sessions = stores[0]
    await sessions.put("kept", Session(lang="en", updated_at=1.0))
    await sessions.delete("never-stored")
    await sessions.delete("kept")
    await sessions.delete("kept")
    assert await sessions.get("kept") is None


async def test_a_subscriber_is_read_back_with_language_categories_and_date(stores: tuple) -> None:
    subs = stores[1]
    assert await subs.get(7) is None
    await subs.put(7, "en", ("urgent", "cnil"))
    found = await subs.get(7)
    assert (found.chat_id, found.lang, found.categories) == (7, "en", ("urgent", "cnil"))
    assert found.subscribed_at == dt.date.today().isoformat()


async def test_changing_categories_keeps_the_first_subscription_date(stores: tuple) -> None:
    subs = stores[1]
    await subs.put(7, "fr", ("urgent",))
    if isinstance(subs, MemorySubscriptions):  # as if subscribed long ago
        subs.data[7] = replace(subs.data[7], subscribed_at="2020-01-01")
    else:
        await subs.db.write("UPDATE subscriptions SET subscribed_at = '2020-01-01'")
    await subs.put(7, "en", ("cnil",))
    again = await subs.get(7)
    assert (again.lang, again.categories, again.subscribed_at) == ("en", ("cnil",), "2020-01-01")


async def test_every_subscriber_in_chat_id_order_without_a_category(stores: tuple) -> None:
    subs = stores[1]
    for chat_id, categories in [(30, ("cnil",)), (10, ("urgent",)), (20, ())]:
        await subs.put(chat_id, "fr", categories)
    assert [s.chat_id for s in await subs.all()] == [10, 20, 30]
    assert (await subs.get(20)).categories == ()
    assert [s.chat_id for s in await subs.all("cnil")] == [30]


async def test_counts_go_up_by_one_for_each_event(stores: tuple) -> None:
    stats = stores[2]
    await stats.count_event("2026-01-02", "alerts_joined")
    assert await stats.events("2026-01-01") == [("2026-01-02", "alerts_joined", 1)]
    await stats.count_event("2026-01-02", "alerts_joined")
    await stats.count_event("2026-01-02", "alerts_left")
    await stats.count_topic("2026-01-02", "gdpr.dpo", "answer")
    assert await stats.events("2026-01-01") == [
        ("2026-01-02", "alerts_joined", 2), ("2026-01-02", "alerts_left", 1),
    ]
    assert await stats.topics("2026-01-01") == [("2026-01-02", "gdpr.dpo", "answer", 1)]


async def test_counts_are_listed_from_the_first_day_asked_in_order(stores: tuple) -> None:
    stats = stores[2]
    for day, topic, decision in [
        ("2026-01-03", "b", "answer"), ("2026-01-02", "b", "answer"), ("2026-01-02", "a", "none"),
        ("2026-01-02", "a", "answer"), ("2026-01-01", "a", "answer"),
    ]:
        await stats.count_topic(day, topic, decision)
        await stats.count_event(day, topic)
    assert await stats.topics("2026-01-02") == [
        ("2026-01-02", "a", "answer", 1), ("2026-01-02", "a", "none", 1),
        ("2026-01-02", "b", "answer", 1), ("2026-01-03", "b", "answer", 1),
    ]
    assert await stats.events("2026-01-02") == [
        ("2026-01-02", "a", 2), ("2026-01-02", "b", 1), ("2026-01-03", "b", 1),
    ]
    assert await stats.events("2026-01-04") == []
    assert await stats.topics("2026-01-04") == []


@pytest.mark.parametrize("zone", ["Etc/GMT-14", "Etc/GMT+12"])
async def test_a_chat_gone_is_unsubscribed_and_counted_once_on_the_utc_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    monkeypatch.setenv("TZ", zone)  # one of the two is on another day than UTC, at any hour
    time.tzset()
    try:
        async with Database(tmp_path / "v.db") as db:
            subs, stats = SqliteSubscriptions(db), SqliteStats(db)
            await subs.put(5, "fr", ("urgent",))
            await subs.put(6, "fr", ("urgent",))
            await subs.remove_gone(5)
            await subs.remove_gone(5)  # already gone: not counted again
            assert await subs.get(5) is None
            today = dt.datetime.now(dt.UTC).date().isoformat()
            assert await stats.events("2000-01-01") == [(today, "alerts_left", 1)]
            await subs.remove_gone(6)
            assert await stats.events("2000-01-01") == [(today, "alerts_left", 2)]
            assert await subs.all() == []
    finally:
        monkeypatch.undo()
        time.tzset()


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


@pytest.mark.parametrize(("pragma", "value"), [
    ("busy_timeout", 5000), ("journal_mode", "wal"), ("synchronous", 1), ("foreign_keys", 1),
    ("secure_delete", 1), ("journal_size_limit", 0),
])
async def test_the_database_is_opened_with_its_safety_settings(
    tmp_path: Path, pragma: str, value: object
) -> None:
    async with Database(tmp_path / "v.db") as db:
        assert await db.fetchone(f"PRAGMA {pragma}") == (value,)


async def test_the_busy_timeout_can_be_chosen(tmp_path: Path) -> None:
    async with Database(tmp_path / "v.db", busy_timeout_ms=250) as db:
        assert await db.fetchone("PRAGMA busy_timeout") == (250,)


async def test_a_closed_database_says_it_is_not_open(tmp_path: Path) -> None:
    db = await Database(tmp_path / "v.db").open()
    await db.close()
    await db.close()  # closing twice is harmless
    with pytest.raises(DatabaseError) as caught:
        await db.fetchone("SELECT 1")
    assert str(caught.value) == "database is not open"


async def test_writes_say_how_many_rows_they_changed_and_reads_return_tuples(
    tmp_path: Path,
) -> None:
    async with Database(tmp_path / "v.db") as db:
        for key in ("a", "b", "c"):
            assert await db.write("INSERT INTO sessions VALUES (?, '{}', ?)", (key, 1.0)) == 1
        assert await db.write("UPDATE sessions SET updated_at = 2.0 WHERE key != 'a'") == 2
        assert await db.fetchall("SELECT key, updated_at FROM sessions ORDER BY key") == [
            ("a", 1.0), ("b", 2.0), ("c", 2.0)]
        assert await db.fetchone("SELECT key FROM sessions WHERE key = 'b'") == ("b",)
        assert await db.fetchone("SELECT key FROM sessions WHERE key = 'z'") is None
        assert await db.write("DELETE FROM sessions") == 3


async def test_a_failed_transaction_leaves_nothing_behind_its_own_writes_included(
    tmp_path: Path,
) -> None:
    async with Database(tmp_path / "v.db") as db:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO sessions VALUES ('a', '{}', 1.0)")
                await db.write("INSERT INTO sessions VALUES ('b', '{}', 1.0)")
                raise RuntimeError("midway")
        assert await db.fetchall("SELECT key FROM sessions") == []
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO sessions VALUES ('a', '{}', 1.0)")
            await db.write("INSERT INTO sessions VALUES ('b', '{}', 1.0)")
        assert await db.fetchall("SELECT key FROM sessions ORDER BY key") == [("a",), ("b",)]
        assert await db.write("DELETE FROM sessions") == 2  # the lock was released


async def test_scrubbing_empties_the_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    async with Database(path) as db:
        await db.write("INSERT INTO sessions VALUES ('a', 'secret answers', 1.0)")
        await db.write("DELETE FROM sessions")
        assert Path(f"{path}-wal").stat().st_size > 0
        assert await db.scrub() is True
        assert Path(f"{path}-wal").stat().st_size == 0


async def test_a_migration_that_fails_leaves_the_previous_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.storage.database as database_module

    broken = (*MIGRATIONS, ("0099_broken", "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1)"))
    monkeypatch.setattr(database_module, "MIGRATIONS", broken)
    path = tmp_path / "v.db"
    with pytest.raises(DatabaseError) as caught:
        await Database(path).open()
    assert str(caught.value) == f"cannot use the database {path}: no such table: nowhere"
    monkeypatch.undo()
    async with Database(path) as db:
        assert await db.applied() == sorted(name for name, _ in MIGRATIONS)
        assert await db.fetchall("SELECT name FROM sqlite_master WHERE name = 'half'") == []


async def test_the_folder_error_names_the_folder_and_the_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseError) as caught:
        await Database(blocker / "vigie.db").open()
    assert str(caught.value) == f"cannot create the folder {blocker}: Not a directory"


async def test_a_reader_elsewhere_keeps_the_log_and_the_operator_is_told(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "v.db"
    async with Database(path, busy_timeout_ms=50) as db:
        await db.write("INSERT INTO sessions VALUES ('a', '{}', 1.0)")
        reader = sqlite3.connect(path)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM sessions").fetchall()
            await db.write("DELETE FROM sessions")
            assert await db.scrub() is False
            with caplog.at_level(logging.WARNING, logger="vigie.storage"):
                await SqliteSessions(db).scrub()
        finally:
            reader.close()
        assert [r.getMessage() for r in caplog.records] == [
            "erased rows are still in the write-ahead log: another process is reading the "
            "database; they will be scrubbed at the next erasure"]
        assert await db.scrub() is True


async def test_a_database_never_opened_says_it_is_not_open(tmp_path: Path) -> None:
    db = Database(tmp_path / "v.db")
    await db.close()  # harmless too
    with pytest.raises(DatabaseError) as caught:
        await db.fetchone("SELECT 1")
    assert str(caught.value) == "database is not open"


async def test_an_in_memory_database_leaves_no_file_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with Database(":memory:") as db:
        assert await db.applied() == sorted(name for name, _ in MIGRATIONS)
        await db.write("INSERT INTO sessions VALUES ('a', '{}', 1.0)")
        assert await db.scrub() is True  # no write-ahead log: nothing left to scrub
    assert list(tmp_path.iterdir()) == []


async def test_a_new_database_file_is_private_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try:
        async with Database(tmp_path / "data" / "v.db"):
            pass
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "data" / "v.db").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


async def test_a_database_path_that_is_a_broken_link_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    path.symlink_to(tmp_path / "gone" / "v.db")
    with pytest.raises(DatabaseError) as caught:
        await Database(path).open()
    assert str(caught.value) == f"cannot use the database {path}: No such file or directory"


async def test_a_write_from_another_task_waits_for_a_transaction_and_survives_its_rollback(
    tmp_path: Path,
) -> None:
    async with Database(tmp_path / "v.db") as db:
        other: list[asyncio.Task[int]] = []
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO sessions VALUES ('a', '{}', 1.0)")
                other.append(asyncio.create_task(
                    db.write("INSERT INTO sessions VALUES ('b', '{}', 1.0)")))
                for _ in range(3):  # the other task gets its turns meanwhile
                    await db.fetchone("SELECT count(*) FROM sessions")
                assert not other[0].done()
                raise RuntimeError("midway")
        assert await other[0] == 1
        assert await db.fetchall("SELECT key FROM sessions") == [("b",)]


async def test_a_write_inside_a_transaction_binds_its_parameters(tmp_path: Path) -> None:
    async with Database(tmp_path / "v.db") as db:
        async with db.transaction():
            assert await db.write("INSERT INTO sessions VALUES (?, '{}', ?)", ("a", 1.0)) == 1
        assert await db.fetchall("SELECT key, updated_at FROM sessions") == [("a", 1.0)]
