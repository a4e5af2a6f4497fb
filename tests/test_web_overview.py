"""The overview: what members asked, drawn from the anonymous counters."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from bot.storage.stores import SqliteStats, SqliteSubscriptions
from bot.web.overview import _subscribers, days_back
from tests.web_support import Console, api, console, console_link, launch_console

__all__ = ["api", "console", "launch_console"]


def kpis(page: str) -> list[int]:
    found = re.findall(r'<div class="kpi s\d"><span class="num">(\d+)</span>', page)
    return [int(n) for n in found]


async def test_the_overview_plots_the_questions_members_asked_today(console: Console) -> None:
    harness, new_staff = console
    member = harness.chat(101)
    await member.send("rgpd cabinet medical par ou commencer")
    await member.send("zorglub wobble frobnicate")
    await member.send("/notifier")  # the breach flow starts
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))

    status, page = await staff.get("/?days=7")
    assert status == 200
    answered, clarified, fell_back, subscribers = kpis(page)
    assert (answered, clarified, fell_back, subscribers) == (1, 0, 1, 0)
    title = harness.content.title("gdpr.applies_to_me", "fr")
    assert html.escape(title) in page  # in the top-10 plot
    assert re.search(r'<span class="num">1</span> commencés · <span class="num">0</span>', page)
    assert page.count('<rect class="s1"') == 2  # one answered bar today, one topic bar
    assert "zorglub" not in page  # a member's text never appears on the overview


async def test_the_period_is_7_30_or_90_days(console: Console) -> None:
    harness, new_staff = console
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))
    for asked, shown in (("7", 7), ("90", 90), ("365", 30), ("abc", 30)):
        _, page = await staff.get(f"/?days={asked}")
        assert f'<a href="/?days={shown}" aria-current="true">' in page, asked


async def test_subscribers_over_time_walk_back_from_todays_count(console: Console) -> None:
    harness, _ = console
    db = harness.app.bot_data["vigie_db"]
    subscriptions, stats = SqliteSubscriptions(db), SqliteStats(db)
    today = datetime.now(UTC).date()
    axis = days_back(today, 7)
    for chat in (1, 2, 3):
        await subscriptions.put(chat, "fr", ("urgent",))
    await stats.count_event(today.isoformat(), "alerts_joined")
    await stats.count_event(today.isoformat(), "alerts_joined")
    await stats.count_event((today - timedelta(days=2)).isoformat(), "alerts_left")
    events = await stats.events(axis[0])
    # 3 today; 1 before today's 2 arrivals; 2 before the departure two days ago.
    assert await _subscribers(db, events, axis) == [2, 2, 2, 2, 1, 1, 3]


async def test_joining_and_leaving_the_alerts_are_counted_without_ids(console: Console) -> None:
    harness, _ = console
    member = harness.chat(555)
    await member.send("/alertes")
    await member.send("/oubli")
    rows = harness.query("SELECT name, count FROM counters WHERE name LIKE 'alerts_%'")
    assert sorted(rows) == [("alerts_joined", 1), ("alerts_left", 1)]
