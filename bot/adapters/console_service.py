"""The service behind `vigie chat`: the bot's own stores when VIGIE_DB is set.

With VIGIE_DB, the console keeps what the bot keeps (session, counters, the
redacted unmatched log when it is on), in the same database and under the same
key, so `vigie stats` sees a console session. Without it, everything stays in
memory and the console says so. Alerts are never delivered to a console.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.adapters.console import NoFloodLimit
from bot.cli_support import CliError
from bot.core.assistant import Assistant
from bot.core.content import Content
from bot.privacy.keys import SecretError, load_or_create_secret
from bot.service import Vigie
from bot.settings import Settings
from bot.storage.database import Database, DatabaseError
from bot.storage.stores import (
    MemorySessions,
    MemoryStats,
    MemorySubscriptions,
    SqliteSessions,
    SqliteStats,
    SqliteSubscriptions,
)
from bot.storage.unmatched import UnmatchedLog

IN_MEMORY = (
    "Console : rien n'est enregistré (VIGIE_DB n'est pas défini) ; "
    "vigie stats ne verra pas cette conversation."
)


@asynccontextmanager
async def console_service(settings: Settings, content: Content) -> AsyncIterator[tuple[Vigie, str]]:
    """(service, one line telling where the conversation is kept)."""
    assistant = Assistant(content)
    if not settings.db_configured:
        service = Vigie(
            assistant, secret=b"console-session-only", sessions=MemorySessions(),
            subscriptions=MemorySubscriptions(), stats=MemoryStats(), alerts_available=False,
            flood=NoFloodLimit(),
        )  # fmt: skip
        yield service, IN_MEMORY
        return
    try:
        secret = load_or_create_secret(settings.secret, settings.key_file)
        db = await Database(settings.db_path).open()
    except (SecretError, DatabaseError) as exc:
        raise CliError(str(exc)) from exc
    try:
        unmatched = UnmatchedLog(db, content.association.unmatched_log_days)
        service = Vigie(
            assistant, secret=secret, sessions=SqliteSessions(db),
            subscriptions=SqliteSubscriptions(db), stats=SqliteStats(db),
            unmatched=unmatched if settings.unmatched_log else None,
            alerts_available=False, flood=NoFloodLimit(),
        )  # fmt: skip
        yield service, f"Console : conversation enregistrée comme au bot, dans {settings.db_path}."
    finally:
        await db.close()
