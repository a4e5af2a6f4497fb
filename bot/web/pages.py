"""Rendering: one Jinja template per page, autoescaped, in the reader's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.web.i18n import translator
from bot.web.security import LANG, SESSION

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    lang: str = request.get(LANG, "fr")
    session = request.get(SESSION)
    html = _env.get_template(template).render(
        t=translator(lang),
        lang=lang,
        csrf=session.csrf if session is not None else "",
        signed_in=session is not None,
        path=request.path,
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def refusal(request: web.Request, status: int, reason_key: str) -> web.Response:
    return render(request, "refused.html", status=status, reason=reason_key)
