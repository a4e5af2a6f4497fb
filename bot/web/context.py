"""What the console's pages work with: the running bot's own objects, shared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.admin import AdminCommands
from bot.service import Vigie
from bot.settings import Settings
from bot.storage.database import Database


@dataclass
class Console:
    service: Vigie
    db: Database
    admin: AdminCommands
    settings: Settings
    content_root: Path
    #: The /diffuser conversation's AdminBroadcasts (its tasks): one sender per broadcast.
    broadcasts: Callable[[], Any]


CONSOLE_KEY = web.AppKey("console", Console)


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE_KEY]
