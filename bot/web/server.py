"""The console's aiohttp application and its start and stop next to the bot."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from bot.web.auth import ConsoleAuth
from bot.web.context import CONSOLE_KEY, Console
from bot.web.login import SECURE_KEY
from bot.web.routes import ROUTES
from bot.web.security import AUTH_KEY, COOKIE_KEY, cookie_name, guard

log = logging.getLogger("vigie.console")
STATIC = Path(__file__).parent / "static"


def build_app(console: Console, auth: ConsoleAuth) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=256 * 1024)
    secure = console.settings.console_url.startswith("https://")
    app[CONSOLE_KEY] = console
    app[AUTH_KEY] = auth
    app[SECURE_KEY] = secure
    app[COOKIE_KEY] = cookie_name(secure)
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    app.router.add_static("/static/", STATIC, append_version=False)
    return app


async def start_console(console: Console, auth: ConsoleAuth) -> web.AppRunner:
    runner = web.AppRunner(build_app(console, auth), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, console.settings.console_host, console.settings.console_port)
    await site.start()
    log.info("web console on %s", console.settings.console_url)
    return runner
