"""Stores: one contract, two implementations (SQLite, memory); migrations; errors."""

from __future__ import annotations

import datetime as dt
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
