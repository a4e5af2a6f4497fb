"""The unmatched log's own rules on a real SQLite file: expiry, limits, dismissal, groups."""

from __future__ import annotations

import pytest

from bot.storage import unmatched as unmatched_module
from bot.storage.database import Database
from bot.storage.unmatched import UnmatchedGroup, UnmatchedLog
from bot.storage.unmatched_groups import (
    COMMON_TERM_GROUPS,
    MAX_COMPARISONS,
    Scorer,
    group_questions,
)

DAY = 86400.0
NOW = 20_000 * DAY + 12 * 3600.0  # noon


async def texts(db: Database) -> list[str]:
    return [str(r[0]) for r in await db.fetchall("SELECT text FROM unmatched ORDER BY rowid")]


@pytest.mark.parametrize(("keep_days", "kept_days"), [(None, 30), (7, 7), (45, 30)])
async def test_questions_are_kept_keep_days_at_most_thirty(
    db: Database, keep_days: int | None, kept_days: int
) -> None:
    log = UnmatchedLog(db) if keep_days is None else UnmatchedLog(db, keep_days=keep_days)
    await log.add("at the limit", "fr", NOW - kept_days * DAY)
    await log.add("one second older", "fr", NOW - kept_days * DAY - 1)
    assert await log.purge(NOW) == 1
    assert await texts(db) == ["at the limit"]


async def test_a_long_question_is_cut_to_500_characters(db: Database) -> None:
    log = UnmatchedLog(db)
    assert await log.add("a" * 499 + "bc", "fr", NOW)
    assert await texts(db) == ["a" * 499 + "b"]


async def test_a_question_already_logged_yesterday_is_logged_again_today(db: Database) -> None:
    log = UnmatchedLog(db)
    midnight = NOW - NOW % DAY
    assert await log.add("xyzzy", "fr", midnight - 1)
    assert await log.add("xyzzy", "fr", midnight)
    assert not await log.add("xyzzy", "fr", midnight + 1)


async def test_one_member_is_logged_ten_times_an_hour(db: Database) -> None:
    log = UnmatchedLog(db)
    for i in range(unmatched_module.PER_MEMBER_PER_HOUR):
        assert await log.add(f"question {i}", "fr", NOW + i, "member")
    assert not await log.add("one too many", "fr", NOW + 3599, "member")
    assert await log.add("someone else", "fr", NOW + 3599, "other")
    assert await log.add("an hour after the first", "fr", NOW + 3600, "member")
    assert not await log.add("the second is not an hour old", "fr", NOW + 3600, "member")


def test_members_quiet_for_an_hour_are_forgotten_past_10000_tracked(db: Database) -> None:
    log = UnmatchedLog(db)
    for n in range(unmatched_module._TRACKED_MEMBERS):
        assert log._member_allowed(f"quiet {n}", NOW)
    assert log._member_allowed("recent", NOW + 1800)
    assert log._member_allowed("one more", NOW + 3600)  # 10,001 tracked before this one
    assert set(log._recent) == {"recent", "one more"}


def test_up_to_10000_tracked_members_are_all_remembered(db: Database) -> None:
    log = UnmatchedLog(db)
    for n in range(unmatched_module._TRACKED_MEMBERS - 1):
        log._member_allowed(f"quiet {n}", NOW)
    log._member_allowed("the 10,000th", NOW + 3600)
    log._member_allowed("one more", NOW + 3600)
    assert len(log._recent) == unmatched_module._TRACKED_MEMBERS + 1


async def test_dismissing_deletes_every_similar_question_and_says_how_many(
    db: Database,
) -> None:
    log = UnmatchedLog(db)
    for text in ["xyzzy plugh frobnicate", "xyzzy plugh frobnicate svp", "quux garply waldo"]:
        await log.add(text, "fr", NOW)
    assert await log.dismiss("frobnicate plugh xyzzy") == 2
    assert await texts(db) == ["quux garply waldo"]
    assert await log.dismiss("xyzzy") == 0
    assert await log.dismiss("quux garply", similarity=100.0) == 1
    assert await texts(db) == []


async def test_dismissing_takes_a_question_exactly_70_similar_by_default(db: Database) -> None:
    log = UnmatchedLog(db)
    await log.add("abcdefgxyzpqr", "fr", NOW)  # 70 % like "abcdefg" (14 of 20 characters)
    await log.add("abcdefgxyzpqrt", "fr", NOW)  # 66.7 %
    assert await log.dismiss("abcdefg") == 1
    assert await texts(db) == ["abcdefgxyzpqrt"]


async def test_dismissing_is_as_strict_as_asked(db: Database) -> None:
    log = UnmatchedLog(db)
    await log.add("xyzzy plugh frobnicate", "fr", NOW)
    assert await log.dismiss("xyzzy plugh thud", similarity=90.0) == 0
    assert await log.dismiss("xyzzy plugh thud") == 1


async def test_groups_put_similar_questions_together_most_frequent_first(db: Database) -> None:
    log = UnmatchedLog(db)
    for n, text in enumerate(["quux garply", "xyzzy plugh frobnicate", "plugh xyzzy frobnicate",
                              "frobnicate xyzzy plugh ?"]):
        await log.add(text, "en" if n == 1 else "fr", NOW + n)
    assert await log.groups() == [
        UnmatchedGroup("xyzzy plugh frobnicate", 3, "en"), UnmatchedGroup("quux garply", 1, "fr"),
    ]
    assert len(await log.groups(similarity=100.0)) == 2
    assert len(await log.groups(similarity=101.0)) == 4


async def test_groups_take_a_question_exactly_70_similar_by_default(db: Database) -> None:
    log = UnmatchedLog(db)
    await log.add("zorg abcdefg", "fr", NOW)
    await log.add("zorg abk", "fr", NOW + 1)  # exactly 70 % like the first
    assert [(g.example, g.count) for g in await log.groups()] == [("zorg abcdefg", 2)]
    assert [(g.example, g.count) for g in await log.groups(similarity=70.5)] == [
        ("zorg abcdefg", 1), ("zorg abk", 1)]


async def fill(db: Database, count: int, at: float) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO unmatched (lang, text, created_at) VALUES ('fr', ?, ?)",
            [(f"filler {at} {i}", at) for i in range(count)],
        )


async def test_a_day_holds_at_most_1000_new_questions(db: Database) -> None:
    log = UnmatchedLog(db)
    await fill(db, unmatched_module.MAX_ROWS_PER_DAY - 1, NOW - 60)
    assert await log.add("the thousandth", "fr", NOW)
    assert not await log.add("one more today", "fr", NOW)
    assert await log.add("tomorrow", "fr", NOW + DAY)


async def test_the_log_holds_at_most_10000_questions(db: Database) -> None:
    log = UnmatchedLog(db)
    await fill(db, unmatched_module.MAX_ROWS - 1, NOW - 5 * DAY)
    assert await log.add("the ten thousandth", "fr", NOW)
    assert not await log.add("one more", "fr", NOW + DAY)


def counting(calls: list[tuple[str, str]], similar: set[str]) -> Scorer:
    """A scorer that records its comparisons and finds two questions similar (exactly at the
    default threshold, 70) only when both contain a word of `similar`."""

    def scorer(a: str, b: str) -> float:
        calls.append((a, b))
        return 70.0 if any(w in a.split() for w in similar) and any(
            w in b.split() for w in similar) else 0.0

    return scorer


def test_a_question_exactly_at_the_similarity_threshold_joins_the_group() -> None:
    groups = group_questions([("alpha special", "fr"), ("beta special", "en")],
                             scorer=counting([], {"special"}))
    assert groups == [UnmatchedGroup("alpha special", 2, "fr")]


def test_a_variant_seen_again_joins_its_group_without_a_comparison() -> None:
    calls: list[tuple[str, str]] = []
    rows = [("alpha special", "fr"), ("beta special", "fr"), ("beta special", "fr"),
            ("gamma", "en"), ("gamma", "en"), ("gamma", "en"), ("delta", "fr")]
    groups = group_questions(rows, scorer=counting(calls, {"special"}))
    assert groups == [UnmatchedGroup("alpha special", 3, "fr"), UnmatchedGroup("gamma", 3, "en"),
                      UnmatchedGroup("delta", 1, "fr")]
    assert calls == [("beta special", "alpha special")]


def test_candidates_are_the_groups_sharing_the_most_terms() -> None:
    rows = [(f"common word{n}", "fr") for n in range(MAX_COMPARISONS + 5)]
    rows.append(("common special", "fr"))
    rows.append(("common special extra", "fr"))
    groups = group_questions(rows, scorer=counting([], {"special"}))
    assert groups[0] == UnmatchedGroup("common special", 2, "fr")


@pytest.mark.parametrize(("groups_with_term", "compared"), [
    (COMMON_TERM_GROUPS, MAX_COMPARISONS), (COMMON_TERM_GROUPS + 1, 0),
])
def test_a_term_in_more_than_50_groups_finds_no_candidate(
    groups_with_term: int, compared: int
) -> None:
    calls: list[tuple[str, str]] = []
    rows = [(f"common word{n}", "fr") for n in range(groups_with_term)]
    group_questions([*rows, ("common probe", "fr")], scorer=counting(calls, set()))
    assert len([c for c in calls if c[0] == "common probe"]) == compared
