"""Content health: the content check, answers due for review, topics nobody asks, flows.

The check is exactly `vigie content check` (load_root with every proof), run in a
thread and kept until a content file changes, since it takes a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from pathlib import Path

from aiohttp import web

from bot.content.errors import Problem
from bot.content.loader import load_root
from bot.storage.stores import SqliteStats
from bot.web.context import console_of
from bot.web.flowchart import flow_svg
from bot.web.pages import render
from bot.web.security import LANG

UNASKED_DAYS = 90
_cache: dict[Path, tuple[float, list[Problem]]] = {}
_lock = asyncio.Lock()


def _stamp(root: Path) -> float:
    """The newest modification time of the content files: the cache's key."""
    files = [*root.glob("content/**/*"), *root.glob("intents/**/*")]
    return max((f.stat().st_mtime for f in files if f.is_file()), default=0.0)


async def content_problems(root: Path) -> list[Problem]:
    async with _lock:
        stamp = _stamp(root)
        cached = _cache.get(root)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        _, problems = await asyncio.to_thread(load_root, root)
        _cache[root] = (stamp, problems)
        return problems


def relative(problem: Problem, root: Path) -> str:
    path = Path(problem.path)
    with contextlib.suppress(ValueError):  # a file outside the root keeps its full path
        path = path.resolve().relative_to(root.resolve())
    return f"{path}:{problem.line}"


async def page(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    content = console.service.content
    lang = request[LANG]
    root = console.content_root
    problems = await content_problems(root)
    today = console.service.clock().date()
    max_age = content.association.review_max_age_days
    stale = sorted(
        (
            {"title": content.title(topic, lang), "topic": topic, "reviewed": a.last_reviewed,
             "age": (today - a.last_reviewed).days}
            for topic, a in content.answers.items()
            if (today - a.last_reviewed).days > max_age
        ),
        key=lambda row: -int(str(row["age"])),
    )
    since = (today - dt.timedelta(days=UNASKED_DAYS - 1)).isoformat()
    asked = {topic for _, topic, _, _ in await SqliteStats(console.db).topics(since)}
    unasked = sorted(
        (content.title(topic, lang), topic) for topic in content.answers if topic not in asked
    )
    return render(
        request,
        "health.html",
        errors=[(relative(p, root), p.message) for p in problems if not p.warning],
        warnings=[(relative(p, root), p.message) for p in problems if p.warning],
        stale=stale,
        max_age=max_age,
        unasked=unasked,
        unasked_days=UNASKED_DAYS,
        flows=[(f.title(lang), flow_svg(f, lang)) for _, f in sorted(content.flows.items())],
    )
