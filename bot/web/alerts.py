"""Alerts: write or pick a template, preview as Telegram shows it, send, follow, control.

The same rules and the same durable queue as /diffuser and `vigie broadcast`: the
text is plain text (escaped), a template is sent as written; the broadcast is started
by the bot's own AdminBroadcasts, so there is one sender per broadcast, whoever
started it, and an interrupted one resumes at the next start.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.broadcast.alert import render_alert
from bot.broadcast.queue import (
    CANCELLED,
    FAILED,
    PAUSED,
    PENDING,
    RUNNING,
    SENT,
    UNSUBSCRIBED,
    BroadcastInfo,
    BroadcastQueue,
)
from bot.core.alerts import longest_alert, too_long
from bot.core.html import escape
from bot.web.context import Console, console_of
from bot.web.i18n import translator
from bot.web.pages import render
from bot.web.security import LANG

OPERATIONS = {"pause": PAUSED, "resume": RUNNING, "cancel": CANCELLED}


@dataclass(frozen=True)
class Draft:
    text: str  # Telegram HTML, as the queue stores it
    category: str
    typed: str = ""  # what the admin typed, to send again with the confirmation
    template: str = ""


def progress(info: BroadcastInfo) -> dict[str, object]:
    counts = info.counts
    done = info.total - counts.get(PENDING, 0)
    return {
        "id": info.id,
        "status": info.status,
        "total": info.total,
        "sent": counts.get(SENT, 0),
        "blocked": counts.get(UNSUBSCRIBED, 0),
        "failed": counts.get(FAILED, 0),
        "remaining": counts.get(PENDING, 0),
        "percent": 100 if info.total == 0 else round(100 * done / info.total),
    }


def _draft(console: Console, form: dict[str, str]) -> tuple[Draft | None, str]:
    """The draft the form describes, or None and the sentence that says why not."""
    content = console.service.content
    template_id = form.get("template", "")
    if template_id:
        template = content.alert_templates.get(template_id)
        if template is None:
            return None, "alerts.unknown_template"
        return Draft(template.text, template.category, template=template_id), ""
    typed = form.get("text", "").strip()
    if not typed:
        return None, "alerts.empty"
    category = form.get("category", "")
    if content.association.category(category) is None:
        return None, "alerts.unknown_category"
    text = escape(typed)
    if too_long(longest_alert(content.association, text)):
        return None, "alerts.too_long"
    return Draft(text, category, typed=typed), ""


async def page(
    request: web.Request, error: str = "", typed: str = "", chosen: str = ""
) -> web.Response:
    console = console_of(request)
    content = console.service.content
    lang = request[LANG]
    queue = BroadcastQueue(console.db)
    return render(
        request,
        "alerts.html",
        status=400 if error else 200,
        error=error,
        typed=typed,
        chosen=chosen,
        categories=[(c.id, c.labels.get(lang) or c.labels.get("fr", c.id))
                    for c in content.association.alert_categories],
        templates=list(content.alert_templates.values()),
        history=[progress(i) | {"category": i.category, "created": i.created_at}
                 for i in await queue.recent(20)],
    )


async def list_page(request: web.Request) -> web.StreamResponse:
    return await page(request)


async def edit(request: web.Request) -> web.StreamResponse:
    """Back from the preview to the form, with the text and category as they were."""
    form = await request.post()
    return await page(request, "", str(form.get("text", "")), str(form.get("category", "")))


async def preview(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = {k: str(v) for k, v in (await request.post()).items()}
    draft, error = _draft(console, form)
    if draft is None:
        return await page(request, error, form.get("text", ""))
    body, label = render_alert(console.service.content, draft.text, draft.category, "fr")
    count = await BroadcastQueue(console.db).recipients(draft.category)
    return render(request, "alert_preview.html", draft=draft, body=body, label=label, count=count)


async def send(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = {k: str(v) for k, v in (await request.post()).items()}
    draft, error = _draft(console, form)
    if draft is None:
        return await page(request, error, form.get("text", ""))
    queue = BroadcastQueue(console.db)
    broadcast_id = await queue.create(draft.text, draft.category)
    console.broadcasts().start(broadcast_id, draft.category, None)
    return web.Response(status=303, headers={"Location": f"/alerts/{broadcast_id}"})


async def _info(request: web.Request) -> BroadcastInfo:
    raw = request.match_info["id"]
    info = await BroadcastQueue(console_of(request).db).info(int(raw)) if raw.isdigit() else None
    if info is None:
        raise web.HTTPNotFound(text=translator(request[LANG])("alerts.unknown"))
    return info


async def follow(request: web.Request) -> web.StreamResponse:
    info = await _info(request)
    body, label = render_alert(console_of(request).service.content, info.text, info.category, "fr")
    return render(request, "alert_progress.html", p=progress(info), body=body, label=label)


async def progress_json(request: web.Request) -> web.StreamResponse:
    return web.json_response(progress(await _info(request)))


async def control(request: web.Request) -> web.StreamResponse:
    info = await _info(request)
    op = request.match_info["op"]
    if op not in OPERATIONS:
        raise web.HTTPNotFound()
    console = console_of(request)
    queue = BroadcastQueue(console.db)
    if await queue.set_status(info.id, OPERATIONS[op]) and op == "resume":
        # The admin decided, as with /diffusions: a pause for "all gone" is not repeated.
        console.broadcasts().start(info.id, info.category, None, trust_gone=True)
    return web.Response(status=303, headers={"Location": f"/alerts/{info.id}"})
