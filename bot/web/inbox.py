"""Questions Vigie did not understand: the redacted inbox, grouped, turned into phrasings.

Shown only when the association turned the log on (VIGIE_UNMATCHED_LOG=1). Adding a
phrasing edits the topic's intent file (comments and layout kept), runs the same
checks as `vigie content check`, and reloads the bot's content; a refused edit is
undone and the problems are shown with their file and line.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.content.intent_edit import IntentEditError, add_phrasing
from bot.content.loader import load_root
from bot.storage.unmatched import UnmatchedLog
from bot.web.context import Console, console_of
from bot.web.health import relative
from bot.web.pages import render
from bot.web.security import LANG

_edit_lock = asyncio.Lock()
HESITATIONS = 3


def _log(console: Console) -> UnmatchedLog:
    return UnmatchedLog(console.db, console.service.content.association.unmatched_log_days)


async def page(
    request: web.Request, notice: str = "", problems: list[str] | None = None, status: int = 200
) -> web.Response:
    console = console_of(request)
    lang = request[LANG]
    content = console.service.content
    enabled = console.settings.unmatched_log
    groups = []
    for group in await _log(console).groups() if enabled else []:
        candidates = console.service.assistant.matcher.scores(group.example)[:HESITATIONS]
        groups.append(
            {
                "example": group.example,
                "count": group.count,
                "lang": group.lang,
                "hesitations": [(c.topic, content.title(c.topic, lang), round(c.score))
                                for c in candidates],
            }
        )
    topics = sorted((content.title(topic, lang), topic) for topic in content.intents)
    return render(
        request,
        "inbox.html",
        status=status,
        enabled=enabled,
        groups=groups,
        topics=topics,
        notice=notice,
        problems=problems or [],
        keep_days=min(content.association.unmatched_log_days, 30),
    )


async def list_page(request: web.Request) -> web.StreamResponse:
    return await page(request)


async def add(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = await request.post()
    example, topic = str(form.get("example", "")), str(form.get("topic", ""))
    phrasing, lang = str(form.get("phrasing", "")), str(form.get("lang", "fr"))
    if topic not in console.service.content.intents or lang not in ("fr", "en"):
        return await page(request, "inbox.unknown_topic", status=400)
    async with _edit_lock:
        try:
            edit = await asyncio.to_thread(
                add_phrasing, console.content_root, topic, lang, phrasing
            )
        except IntentEditError as exc:
            return await page(request, "inbox.refused", [str(exc)], status=400)
        content, problems = await asyncio.to_thread(load_root, console.content_root)
        errors = [p for p in problems if not p.warning]
        if content is None or errors:
            edit.undo()
            shown = [f"{relative(p, console.content_root)} : {p.message}" for p in errors[:10]]
            return await page(request, "inbox.refused", shown, status=400)
        console.admin.use(content)  # the content just checked, as /reload would load it
    await _log(console).dismiss(example)
    return await page(request, "inbox.added")


async def dismiss(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = await request.post()
    await _log(console).dismiss(str(form.get("example", "")))
    return await page(request, "inbox.dismissed")
