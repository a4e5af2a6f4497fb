"""Every URL of the console, in one table: (method, path, handler)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web import alerts, health, inbox, login, overview

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/login/{token}", login.landing),
    ("POST", "/login", login.login),
    ("POST", "/logout", login.logout),
    ("GET", "/", overview.page),
    ("GET", "/inbox", inbox.list_page),
    ("POST", "/inbox/add", inbox.add),
    ("POST", "/inbox/dismiss", inbox.dismiss),
    ("GET", "/health", health.page),
    ("GET", "/alerts", alerts.list_page),
    ("POST", "/alerts/preview", alerts.preview),
    ("POST", "/alerts/edit", alerts.edit),
    ("POST", "/alerts/send", alerts.send),
    ("GET", "/alerts/{id}", alerts.follow),
    ("GET", "/alerts/{id}/progress", alerts.progress_json),
    ("POST", "/alerts/{id}/{op}", alerts.control),
]
