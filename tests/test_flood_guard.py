"""The flood guard on its own: the limit, the window's edge, the notice, the memory bound."""

from __future__ import annotations

from bot.service import FloodGuard


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_by_default_twenty_updates_in_ten_seconds_then_one_notice_then_silence() -> None:
    ticker = Ticker()
    guard = FloodGuard(clock=ticker)
    assert [guard.check("m") for _ in range(20)] == ["ok"] * 20
    assert guard.check("m") == "warn"
    assert guard.check("m") == "drop"
    ticker.now += 10.0  # the first twenty are exactly ten seconds old: still counted
    assert guard.check("m") == "drop"
    ticker.now += 0.001
    assert guard.check("m") == "ok"


def test_each_member_has_their_own_count() -> None:
    guard = FloodGuard(limit=2, clock=Ticker())
    assert [guard.check("a"), guard.check("a"), guard.check("a")] == ["ok", "ok", "warn"]
    assert [guard.check("b"), guard.check("b")] == ["ok", "ok"]


def test_an_update_exactly_at_the_windows_edge_still_counts() -> None:
    ticker = Ticker()
    guard = FloodGuard(limit=1, window=5.0, clock=ticker)
    assert guard.check("m") == "ok"
    ticker.now += 5.0
    assert guard.check("m") == "warn"
    ticker.now += 0.001
    assert guard.check("m") == "ok"


def test_refused_updates_do_not_extend_the_flood() -> None:
    ticker = Ticker()
    guard = FloodGuard(limit=2, window=10.0, clock=ticker)
    guard.check("m")
    guard.check("m")
    for _ in range(5):
        ticker.now += 1.0
        assert guard.check("m") in {"warn", "drop"}
    ticker.now = 1010.001  # ten seconds after the two accepted ones, whatever came since
    assert guard.check("m") == "ok"


def test_a_member_served_again_gets_a_notice_at_their_next_flood() -> None:
    ticker = Ticker()
    guard = FloodGuard(limit=1, window=1.0, clock=ticker)
    assert [guard.check("m"), guard.check("m"), guard.check("m")] == ["ok", "warn", "drop"]
    ticker.now += 2.0
    assert [guard.check("m"), guard.check("m"), guard.check("m")] == ["ok", "warn", "drop"]


def test_past_10000_members_those_idle_for_a_window_are_forgotten() -> None:
    ticker = Ticker()
    guard = FloodGuard(limit=1, window=10.0, clock=ticker)
    for n in range(10_000):
        guard.check(f"idle {n}")
    guard.check("idle 0")  # warned: the notice is forgotten with the member
    ticker.now += 5.0
    guard.check("recent")  # 10,001 members: none idle yet, nothing forgotten
    assert len(guard._hits) == 10_001
    ticker.now += 5.0
    guard.check("at the edge")  # the first 10,000 are exactly one window old: kept
    assert len(guard._hits) == 10_002
    ticker.now += 0.001
    guard.check("late")
    assert set(guard._hits) == {"recent", "at the edge", "late"}
    assert guard._warned == set()
    assert guard.check("idle 0") == "ok"


def test_up_to_10000_members_nobody_is_forgotten() -> None:
    ticker = Ticker()
    guard = FloodGuard(limit=1, window=10.0, clock=ticker)
    for n in range(9_999):
        guard.check(f"idle {n}")
    ticker.now += 60.0
    guard.check("the 10,000th")
    assert len(guard._hits) == 10_000
    guard.check("the 10,001st")  # now past 10,000: the idle ones go
    assert set(guard._hits) == {"the 10,000th", "the 10,001st"}
