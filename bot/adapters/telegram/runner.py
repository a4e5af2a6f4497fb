"""Build and run the python-telegram-bot Application: polling or webhook.

Start-up checks run before PTB takes over, so a missing token, an unwritable
database or an unreadable key file gives one sentence and exit code 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import signal
import time
from pathlib import Path

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, TypeHandler
from telegram.request import BaseRequest

from bot.adapters.semantic.startup import add_semantic
from bot.adapters.telegram.handlers import SERVICE_KEY, on_error, on_update
from bot.adapters.telegram.incidents import Incidents, TrackedRequest
from bot.adapters.telegram.reminders import ReminderSender
from bot.adapters.telegram.startup import START_BACKOFF, Backoff, wait_for_telegram
from bot.adapters.telegram.webhook import check_webhook_secrets, limit_webhook_bodies
from bot.admin import AdminCommands
from bot.broadcast.queue import BroadcastQueue
from bot.cli_support import CliError, content_root
from bot.content.loader import load_root
from bot.core.assistant import Assistant
from bot.core.commands import MEMBER_COMMANDS
from bot.core.content import Content
from bot.core.matching.semantic import Encoder
from bot.logs import pin_third_party_loggers
from bot.privacy.keys import SecretError, load_or_create_secret
from bot.privacy.secrets import remember_secret
from bot.service import Clock, FloodGuard, Vigie, utc_now
from bot.settings import Settings
from bot.storage.database import Database, DatabaseError
from bot.storage.reminders import ReminderStore
from bot.storage.stores import SqliteSessions, SqliteStats, SqliteSubscriptions
from bot.storage.unmatched import UnmatchedLog

log = logging.getLogger("vigie")
PURGE_EVERY_SECONDS = 600
DELIVERY_ROWS_KEPT_SECONDS = 3600
# Vigie reads messages and button presses only; Telegram sends nothing else.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


def webhook_secret(settings: Settings, secret: bytes) -> str:
    """Telegram's secret-token header value: configured, or derived from our key."""
    if settings.webhook_secret:
        return settings.webhook_secret
    return hmac.new(secret, b"telegram-webhook", hashlib.sha256).hexdigest()[:48]


async def check_database(path: Path) -> None:
    async with Database(path):
        pass


def build_application(
    settings: Settings, token: str, request: BaseRequest | None = None
) -> Application:  # type: ignore[type-arg]
    """`request` replaces the HTTP layer (the end-to-end benchmark runs in-process)."""
    builder: ApplicationBuilder = Application.builder().token(token)  # type: ignore[type-arg]
    incidents = Incidents()
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.request(
            TrackedRequest(incidents, connection_pool_size=128)
        ).get_updates_request(TrackedRequest(incidents, connection_pool_size=2, read_timeout=30))
        if settings.api_base_url:
            base = settings.api_base_url
            builder = builder.base_url(base).base_file_url(base.rstrip("/") + "/file/bot")
    builder = builder.concurrent_updates(64)
    app = builder.build()
    app.bot_data["vigie_incidents"] = incidents
    app.add_handler(TypeHandler(Update, on_update))
    app.add_error_handler(on_error)
    return app


async def register_commands(app: Application, content: Content) -> None:  # type: ignore[type-arg]
    """setMyCommands for French (default) and English, with English aliases in English."""
    for lang in ("fr", "en"):
        commands = [
            BotCommand(
                (c.alias or c.name) if lang == "en" else c.name,
                content.ui.get(f"command.desc.{c.name}", lang),
            )
            for c in MEMBER_COMMANDS
        ]
        await app.bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=lang)
        if lang == "fr":
            await app.bot.set_my_commands(commands, scope=BotCommandScopeDefault())


def create_application(
    settings: Settings,
    content: Content,
    request: BaseRequest | None = None,
    encoder: Encoder | None = None,
    clock: Clock = utc_now,
    *,
    purge_every: float = PURGE_EVERY_SECONDS,
) -> Application:  # type: ignore[type-arg]
    """The fully wired Application, exactly as `vigie run` starts it (tests use this too,
    with their own `clock`, and a short `purge_every` to watch the purge run)."""
    if not settings.token:
        raise CliError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and export "
            "its token (or run `vigie chat` to try Vigie in the terminal)"
        )
    remember_secret(settings.token)
    try:
        secret = load_or_create_secret(settings.secret, settings.key_file)
    except SecretError as exc:
        raise CliError(str(exc)) from exc
    limit_webhook_bodies()
    check_webhook_secrets()
    pin_third_party_loggers()  # whatever the entry point: no updates or SQL in the logs
    app = build_application(settings, settings.token, request)
    app.bot_data["vigie_secret"] = secret
    state: dict[str, object] = {}

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        try:
            db = await Database(settings.db_path).open()
        except DatabaseError as exc:
            raise CliError(str(exc)) from exc
        state["db"] = db
        unmatched = UnmatchedLog(db, content.association.unmatched_log_days)
        service = Vigie(
            Assistant(content),
            secret=secret,
            sessions=SqliteSessions(db),
            subscriptions=SqliteSubscriptions(db),
            stats=SqliteStats(db),
            unmatched=unmatched if settings.unmatched_log else None,
            admin_ids=settings.admin_ids,
            flood=FloodGuard(settings.flood_limit, settings.flood_window),
            clock=clock,
            reminders=ReminderStore(db),
        )
        admin = AdminCommands(service, reload=lambda: load_root(content_root(settings)))
        service.admin_handler = admin.handle
        application.bot_data[SERVICE_KEY] = service
        application.bot_data["vigie_admin"] = admin
        application.bot_data["vigie_db"] = db
        await register_commands(application, content)
        state["purge"] = asyncio.create_task(_purge_loop(service, db, purge_every))
        loop = asyncio.get_running_loop()
        reloads: set[asyncio.Task[object]] = set()

        def reload_on_sighup() -> None:  # the load runs in a thread; keep the task referenced
            task: asyncio.Task[object] = asyncio.ensure_future(admin.reload())
            reloads.add(task)
            task.add_done_callback(reloads.discard)

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, reload_on_sighup)
        await _resume_broadcasts(application, service, db, settings)
        # After the broadcasts: the reminders share their rate limiter ("vigie_limiter").
        sender = ReminderSender(
            ReminderStore(db),
            application.bot,
            lambda: service.content,
            lambda: application.bot_data.get("vigie_limiter"),
            clock,
        )
        application.bot_data["vigie_reminders"] = sender
        state["reminders"] = asyncio.create_task(sender.loop())
        state["console"] = await _start_console(application, service, db, admin, settings)
        if encoder is not None:
            state["semantic"] = asyncio.create_task(add_semantic(service, encoder))
        log.info("Vigie started (content %s, %d answers)", content.version, len(content.answers))

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        broadcasts = application.bot_data.get("vigie_broadcasts")
        running = [t for t in getattr(broadcasts, "tasks", {}).values() if not t.done()]
        for running_task in running:  # they resume from the queue at the next start
            running_task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        service = application.bot_data.get(SERVICE_KEY)
        if isinstance(service, Vigie):
            await service.stop()
        console = state.get("console")
        if console is not None:
            await console.cleanup()  # type: ignore[attr-defined]
        for name in ("purge", "reminders"):
            task = state.get(name)
            if isinstance(task, asyncio.Task):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        db = state.get("db")
        if isinstance(db, Database):
            await db.close()

    app.post_init = post_init
    app.post_shutdown = post_shutdown
    return app


def run_bot(
    settings: Settings,
    content: Content,
    encoder: Encoder | None = None,
    *,
    webhook_url: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
    backoff: Backoff = START_BACKOFF,
) -> int:
    app = create_application(settings, content, encoder=encoder)
    try:
        asyncio.run(check_database(settings.db_path))
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    # One loop for the wait and for PTB (run_polling takes the current loop): the HTTP
    # clients opened while waiting stay usable, and PTB sees an initialized Application.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(wait_for_telegram(app.initialize, backoff))
        _serve(app, settings, webhook_url, listen, port)
    except InvalidToken:
        # PTB's message quotes the token: never shown. 401 and 404 both land here, and a
        # TELEGRAM_API_BASE_URL without its "/bot" suffix gives 404 with a valid token.
        raise CliError(
            "Telegram a refusé le jeton : vérifiez TELEGRAM_BOT_TOKEN"
            + (" et TELEGRAM_API_BASE_URL" if settings.api_base_url else "")
        ) from None
    except TelegramError as exc:
        raise CliError(f"Telegram a refusé le démarrage : {exc}") from None
    finally:
        if not loop.is_closed() and not loop.is_running():
            loop.close()
    return 0


def _serve(
    app: Application,  # type: ignore[type-arg]
    settings: Settings,
    webhook_url: str | None,
    listen: str,
    port: int,
) -> None:
    if webhook_url:
        app.run_webhook(
            listen=listen,
            port=port,
            url_path="telegram",
            webhook_url=webhook_url,
            secret_token=webhook_secret(settings, app.bot_data["vigie_secret"]),
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
            bootstrap_retries=-1,
        )
    else:
        # bootstrap_retries=-1: PTB's own loop retries deleteWebhook for ever too.
        app.run_polling(
            allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False, bootstrap_retries=-1
        )


async def _purge_loop(service: Vigie, db: Database, every: float) -> None:
    queue = BroadcastQueue(db)
    while True:
        try:
            removed = await service.purge(service.content.association.session_retention_days)
            if removed:
                log.info("purged %d idle sessions", removed)
            # A finished broadcast's per-chat rows hold chat ids: kept one hour for the
            # admin's report, then only the counts remain.
            await queue.purge_finished(time.time() - DELIVERY_ROWS_KEPT_SECONDS)
        except Exception as exc:  # a locked database must not stop the bot
            log.error("session purge failed: %s", exc)
        await asyncio.sleep(every)


async def _start_console(
    app: Application,  # type: ignore[type-arg]
    service: Vigie,
    db: Database,
    admin: AdminCommands,
    settings: Settings,
) -> object | None:
    from bot.web.wiring import start_web_console

    try:
        return await start_web_console(
            app.bot_data, service, db, admin, settings, content_root(settings)
        )
    except OSError as exc:
        raise CliError(
            f"the web console cannot listen on {settings.console_host}:{settings.console_port} "
            f"({exc.strerror}); set VIGIE_CONSOLE_PORT to a free port, or 0 to turn it off"
        ) from exc


async def _resume_broadcasts(
    app: Application,  # type: ignore[type-arg]
    service: Vigie,
    db: Database,
    settings: Settings,
) -> None:
    try:
        from bot.broadcast.telegram import resume_unfinished
    except ImportError:
        return
    await resume_unfinished(app, service, db, settings)
