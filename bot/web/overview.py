"""The overview page: what members asked, from the anonymous counters `vigie stats` reads."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping

from aiohttp import web

from bot.core.flows.model import Flow
from bot.storage.database import Database
from bot.storage.stores import SqliteStats
from bot.web import charts
from bot.web.context import console_of
from bot.web.i18n import translator
from bot.web.pages import render
from bot.web.security import LANG

PERIODS = (7, 30, 90)
# What each recorded decision was for the member: a button press after a
# clarification is an answer too.
STACK = {"answer": "answered", "button": "answered", "clarify": "clarified", "fallback": "fellback"}


def days_back(today: dt.date, days: int) -> list[str]:
    return [(today - dt.timedelta(days=days - 1 - i)).isoformat() for i in range(days)]


async def page(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    t = translator(request[LANG])
    raw = request.query.get("days", "30")
    days = int(raw) if raw in {str(p) for p in PERIODS} else 30
    today = console.service.clock().date()
    axis = days_back(today, days)
    stats = SqliteStats(console.db)
    topics = await stats.topics(axis[0])
    events = await stats.events(axis[0])

    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    per_topic: Counter[str] = Counter()
    for day, topic, decision, count in topics:
        per_day[day][STACK.get(decision, "answered")] += count
        if topic != "-":
            per_topic[topic] += count
    series = [
        charts.Series(t(f"overview.{key}"), css, [per_day[d][key] for d in axis])
        for key, css in (("answered", "s1"), ("clarified", "s2"), ("fellback", "s3"))
    ]
    content = console.service.content
    top = [(content.title(topic, request[LANG]), n) for topic, n in per_topic.most_common(10)]

    flows = _flows(events, content.flows, request[LANG])
    subscribers = await _subscribers(console.db, events, axis)
    totals = {s.label: sum(s.values) for s in series}
    return render(
        request,
        "overview.html",
        days=days,
        periods=PERIODS,
        totals=totals,
        series=series,
        questions_svg=charts.stacked_bars(t("overview.per_day"), axis, series),
        top=top,
        topics_svg=charts.ranked_bars(t("overview.top"), top) if top else "",
        flows=flows,
        subscribers=subscribers[-1] if subscribers else 0,
        subscribers_svg=charts.line(t("overview.subscribers"), axis, subscribers, "s4"),
    )


def outcome_key(flow: Flow, outcome: str) -> str:
    """notify / inform / document only / nothing, from the verdict's declared outputs."""
    for verdict in flow.verdicts:
        if verdict.id == outcome:
            out = verdict.outputs
            if out.get("notify_authority") and out.get("inform_data_subjects"):
                return "verdict.notify_inform"
            if out.get("notify_authority"):
                return "verdict.notify"
            if out.get("inform_data_subjects"):
                return "verdict.inform"
            return "verdict.document" if out.get("document") else "verdict.nothing"
    return f"score.{outcome}"


def _flows(
    events: list[tuple[str, str, int]], known: Mapping[str, Flow], lang: str
) -> list[dict[str, object]]:
    t = translator(lang)
    started: Counter[str] = Counter()
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for _, name, count in events:
        kind, _, rest = name.partition(":")
        flow_id, _, outcome = rest.partition(":")
        if kind == "start":
            started[rest] += count
        elif kind in ("verdict", "score") and flow_id in known:
            outcomes[flow_id][t(outcome_key(known[flow_id], outcome))] += count
    rows: list[dict[str, object]] = []
    for flow_id, flow in sorted(known.items()):
        done = sum(outcomes[flow_id].values())
        items = sorted(outcomes[flow_id].items(), key=lambda kv: -kv[1])
        rows.append(
            {
                "title": flow.title(lang),
                "started": started[flow_id],
                "finished": done,
                "outcomes": items,
                "svg": charts.ranked_bars(flow.title(lang), items, "s2") if done else "",
            }
        )
    return rows


async def _subscribers(
    db: Database, events: list[tuple[str, str, int]], axis: list[str]
) -> list[int]:
    """Today's exact count, walked back day by day with the joined / left counters."""
    rows = await db.fetchall("SELECT COUNT(*) FROM subscriptions")
    now = int(str(rows[0][0]))
    net: Counter[str] = Counter()
    for day, name, count in events:
        if name == "alerts_joined":
            net[day] += count
        elif name == "alerts_left":
            net[day] -= count
    values = []
    for day in reversed(axis):
        values.append(max(now, 0))
        now -= net[day]
    return list(reversed(values))
