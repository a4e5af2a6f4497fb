"""The unmatched log stays small and `vigie unmatched` stays fast (security review
2026-12, L4: one member could add 170,000 rows a day; 4,000 rows took 122 s to group)."""

from __future__ import annotations

import random
from datetime import timedelta

from rapidfuzz import fuzz

from benchmarks.bench_unmatched import quadratic
from bot.core.assistant import Assistant
from bot.service import FloodGuard, Vigie
from bot.storage import unmatched as unmatched_module
from bot.storage.database import Database
from bot.storage.stores import SqliteSessions, SqliteStats, SqliteSubscriptions
from bot.storage.unmatched import UnmatchedLog
from bot.storage.unmatched_groups import MAX_COMPARISONS, group_questions
from tests.conftest import SECRET, FixedClock
from tests.corechat import CoreChat

WORDS = (
    "zorglub plugh xyzzy frobnicate quux garply waldo fred thud corge grault flarp "
    "blorb snark boojum jabber wocky vorpal tumtum slithy tove mimsy borogove rath "
    "outgrabe frumious bandersnatch jubjub burble tulgey uffish galumph chortle beamish "
    "calloo callay brillig gyre gimble wabe manxome"
).split()
NONSENSE = "xyzzy plugh frobnicate"


def distinct_questions(count: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(" ".join(rng.sample(WORDS, 6)) + f" {len(seen)}")
    return [(q, "fr") for q in sorted(seen)]


def test_grouping_4000_distinct_questions_does_a_bounded_number_of_comparisons() -> None:
    rows = distinct_questions(4000)
    calls = [0]

    def counting(a: str, b: str) -> float:
        calls[0] += 1
        return fuzz.token_set_ratio(a, b)

    groups = group_questions(rows, scorer=counting)
    assert sum(g.count for g in groups) == 4000
    assert calls[0] <= 4000 * MAX_COMPARISONS  # every question against every group: ~8 million


def test_grouping_finds_the_same_groups_as_comparing_everything() -> None:
    rng = random.Random(3)
    base = [" ".join(rng.sample(WORDS, 5)) for _ in range(40)]
    rows = []
    for i in range(400):
        words = base[i % 40].split()
        rng.shuffle(words)
        rows.append((" ".join(words[:4]) + rng.choice(["", " ?", " svp", " merci"]), "fr"))
    expected = quadratic(rows)
    assert [g.count for g in group_questions(rows)] == expected
    assert len(expected) < 100  # the variants did group


async def test_one_member_cannot_fill_the_log(
    assistant: Assistant, db: Database, clock: FixedClock
) -> None:
    log = UnmatchedLog(db, keep_days=30)
    service = Vigie(assistant, secret=SECRET, sessions=SqliteSessions(db),
                    subscriptions=SqliteSubscriptions(db), stats=SqliteStats(db),
                    unmatched=log, clock=clock, flood=FloodGuard(limit=1000))
    flooder, other = CoreChat(service, user_id=5001), CoreChat(service, user_id=5002)
    for i in range(25):
        await flooder.send(f"{NONSENSE} {WORDS[i]}")
    await other.send(f"{NONSENSE} {WORDS[30]}")  # nonsense only: unmatched whatever the model
    assert await db.fetchall("SELECT COUNT(*) FROM unmatched") == [
        (unmatched_module.PER_MEMBER_PER_HOUR + 1,)
    ]
    clock.now += timedelta(hours=1, seconds=1)
    await flooder.send(f"{NONSENSE} {WORDS[31]}")
    assert await db.fetchall("SELECT COUNT(*) FROM unmatched") == [
        (unmatched_module.PER_MEMBER_PER_HOUR + 2,)
    ]


async def test_the_same_question_is_logged_once_a_day(db: Database) -> None:
    log = UnmatchedLog(db)
    day = 20_000 * 86400.0
    assert await log.add("xyzzy plugh", "fr", day + 10, "member-a")
    assert not await log.add("xyzzy plugh", "fr", day + 20, "member-b")
    assert await log.add("xyzzy plugh", "en", day + 30, "member-b")
    assert await log.add("xyzzy plugh", "fr", day + 86400 + 5, "member-b")  # the next day
    assert await db.fetchall("SELECT COUNT(*) FROM unmatched") == [(3,)]


async def test_rows_are_capped_per_day_and_in_all(db: Database) -> None:
    log = UnmatchedLog(db)
    day = 20_000 * 86400.0
    for i in range(unmatched_module.MAX_ROWS_PER_DAY):
        assert await log.add(f"question {i}", "fr", day + i)
    assert not await log.add("one more today", "fr", day + 5000)
    assert await log.add("tomorrow", "fr", day + 86400)
    filler = unmatched_module.MAX_ROWS - unmatched_module.MAX_ROWS_PER_DAY - 1
    await db.conn.execute("BEGIN")
    await db.conn.executemany(
        "INSERT INTO unmatched (lang, text, created_at) VALUES (?, ?, ?)",
        [("fr", f"old {i}", day - 86400) for i in range(filler)],
    )
    await db.conn.execute("COMMIT")
    assert not await log.add("past the total cap", "fr", day + 2 * 86400)
    assert await db.fetchall("SELECT COUNT(*) FROM unmatched") == [(unmatched_module.MAX_ROWS,)]
