"""Start the console next to the bot (from `vigie run`'s post_init) and stop it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from bot.admin import AdminCommands
from bot.privacy.keys import user_key
from bot.service import Actor, Vigie
from bot.settings import Settings
from bot.storage.database import Database
from bot.web.auth import ConsoleAuth
from bot.web.context import Console
from bot.web.server import start_console


async def start_web_console(
    bot_data: dict[str, Any],
    service: Vigie,
    db: Database,
    admin: AdminCommands,
    settings: Settings,
    content_root: Path,
) -> web.AppRunner | None:
    if settings.console_port == 0:
        return None

    def is_admin_key(key: str) -> bool:  # VIGIE_ADMIN_IDS as the service sees it, now
        return any(user_key(service.secret, i) == key for i in service.admin_ids)

    auth = ConsoleAuth(is_admin_key)
    console = Console(
        service, db, admin, settings, content_root, lambda: bot_data.get("vigie_broadcasts")
    )
    runner = await start_console(console, auth)

    def link(actor: Actor) -> str:
        return f"{settings.console_url}/login/{auth.issue_link_token(service.key(actor))}"

    admin.console_link = link
    return runner
