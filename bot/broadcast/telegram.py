"""Broadcasts over Telegram: the sender, the admin conversation, resuming after a crash."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.broadcast.alert import is_gone, is_refused_text, render_alert
from bot.broadcast.guard import GONE_QUORUM
from bot.broadcast.httpsender import BotApiSender
from bot.broadcast.limiter import RateLimiter
from bot.broadcast.queue import CANCELLED, PAUSED, RUNNING, BroadcastInfo, BroadcastQueue
from bot.broadcast.reports import progress_text
from bot.broadcast.sender import (
    Broadcaster,
    Gone,
    Permanent,
    Progress,
    RetryLater,
    TextRefused,
    Transient,
)
from bot.core import callbacks
from bot.core.alerts import longest_alert, too_long
from bot.core.assistant import unknown_command
from bot.core.commands import canonical_command
from bot.core.content import Content
from bot.core.events import Event
from bot.core.html import escape, visible_text
from bot.core.reply import Button, Reply, rows
from bot.privacy.secrets import error_text
from bot.service import Actor, Vigie
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.stores import SqliteSubscriptions

log = logging.getLogger("vigie.broadcast")


def seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    def __init__(self, bot: Bot, content: Content, category: str):
        self.bot = bot
        self.content = content
        self.category = category

    async def send(self, chat_id: int, text: str, lang: str) -> None:
        body, label = render_alert(self.content, text, self.category, lang)
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=callbacks.encode("a", "unsub"))]]
        )
        try:
            await self._send(chat_id, body, markup, ParseMode.HTML)
        except TextRefused:  # once more as plain text, as BotApiSender does
            await self._send(chat_id, visible_text(body), markup, None)

    async def _send(
        self, chat_id: int, body: str, markup: InlineKeyboardMarkup, mode: str | None
    ) -> None:
        try:
            await self.bot.send_message(
                chat_id,
                body,
                parse_mode=mode,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
        except RetryAfter as exc:
            raise RetryLater(seconds(exc.retry_after)) from exc
        except Forbidden as exc:
            raise Gone(str(exc)) from exc
        except BadRequest as exc:
            if is_gone(str(exc)):
                raise Gone(str(exc)) from exc
            if is_refused_text(str(exc)):
                raise TextRefused(str(exc)) from exc
            raise Permanent(str(exc)) from exc
        except (TimedOut, NetworkError) as exc:  # includes 5xx answers
            raise Transient(error_text(exc)) from exc


def make_broadcaster(
    bot: Bot,
    content: Content,
    db: Database,
    queue: BroadcastQueue,
    limiter: RateLimiter,
    category: str,
    gone_quorum: int = GONE_QUORUM,
) -> Broadcaster:
    """`gone_quorum=0` when the admin resumes a paused broadcast: "gone" is believed."""
    sender: BotApiSender | TelegramSender
    if isinstance(bot, Bot):  # the real thing: post the JSON ourselves with aiohttp
        timeout = getattr(bot.request, "read_timeout", None) or 15.0
        sender = BotApiSender(bot.base_url, content, category, timeout=float(timeout))
    else:  # any object with PTB's send_message (tests' fakes)
        sender = TelegramSender(bot, content, category)
    return Broadcaster(
        queue,
        sender,
        limiter,
        unsubscribe=SqliteSubscriptions(db).remove_gone,
        gone_quorum=gone_quorum,
    )


@dataclass
class Draft:
    stage: str  # "text", "category", "confirm"
    text: str = ""
    category: str = ""
    # Carried by the category buttons and by "Envoyer": a button shown for an earlier text
    # or preview names an older version and is refused, never applied to the current draft.
    text_version: int = 0
    preview_version: int = 0


class AdminBroadcasts:
    """The /diffuser conversation and /diffusions, for admins (already checked by the service)."""

    def __init__(self, service: Vigie, bot: Bot, db: Database, limiter: RateLimiter):
        self.service = service
        self.bot = bot
        self.db = db
        self.queue = BroadcastQueue(db)
        self.limiter = limiter
        self.drafts: dict[int, Draft] = {}
        self._versions = itertools.count(1)
        self.tasks: dict[int, asyncio.Task[Any]] = {}

    def wants_text(self, actor: Actor) -> bool:
        draft = self.drafts.get(actor.user_id)
        return draft is not None and draft.stage == "text"

    async def handle(self, actor: Actor, event: Event, lang: str) -> list[Reply]:
        content = self.service.content
        if not actor.private:
            return [Reply(content.ui.get("group.private_only", lang))]
        if event.kind == "command":
            name = canonical_command(event.value)
            if name == "diffuser":
                self.drafts[actor.user_id] = Draft("text")
                buttons = [
                    Button(f"📄 {t.title}", callbacks.encode("b", "tpl", t.id))
                    for t in content.alert_templates.values()
                ]
                buttons.append(Button("✖ Annuler", callbacks.encode("b", "no")))
                return [
                    Reply(
                        "Envoyez le texte de l'alerte (texte simple), ou choisissez un modèle :",
                        rows(buttons),
                    )
                ]
            if name == "diffusions":
                return [await self._listing()]
            return [unknown_command(content, lang)]
        if event.kind == "text":
            draft = self.drafts.get(actor.user_id)
            if draft is None or draft.stage != "text":
                return [unknown_command(content, lang)]
            text = escape(event.value.strip())
            length = longest_alert(content.association, text)
            if too_long(length):  # the draft still waits for a text
                return [Reply(
                    f"Ce texte est trop long pour Telegram : l'alerte ferait {length} caractères "
                    "avec son en-tête, et Telegram en accepte au plus 4 096 ; envoyez un texte "
                    "plus court."
                )]
            draft.text = text
            draft.text_version = next(self._versions)
            draft.stage = "category"
            return [self._categories(draft)]
        action = callbacks.decode(event.value)
        args = action.args if action else ()
        return await self._press(actor, args)

    def _categories(self, draft: Draft) -> Reply:
        buttons = [
            Button(c.labels.get("fr", c.id), callbacks.encode("b", "cat", c.id, draft.text_version))
            for c in self.service.content.association.alert_categories
        ]
        buttons.append(Button("✖ Annuler", callbacks.encode("b", "no")))
        return Reply("Catégorie de l'alerte ?", rows(buttons))

    async def _press(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        content = self.service.content
        draft = self.drafts.get(actor.user_id)
        expired = [Reply("Ce bouton a expiré : tapez /diffuser pour recommencer.")]
        if args[:1] == ("no",):
            self.drafts.pop(actor.user_id, None)
            return [Reply("Diffusion annulée : rien n'a été envoyé.")]
        if args[:1] == ("tpl",) and len(args) == 2 and draft is not None:
            template = content.alert_templates.get(args[1])
            if template is None:
                return expired
            draft.text, draft.category = template.text, template.category
            draft.text_version = next(self._versions)
            return await self._preview(draft)
        if (
            args[:1] == ("cat",)
            and len(args) == 3
            and draft is not None
            and draft.text
            and args[2] == str(draft.text_version)
        ):
            if content.association.category(args[1]) is None:
                return expired
            draft.category = args[1]
            return await self._preview(draft)
        if (
            args[:1] == ("go",)
            and len(args) == 2
            and draft is not None
            and draft.stage == "confirm"
            and args[1] == str(draft.preview_version)
        ):
            self.drafts.pop(actor.user_id, None)
            broadcast_id = await self.queue.create(draft.text, draft.category)
            self.start(broadcast_id, draft.category, actor.chat_id)
            return [
                Reply(
                    f"Diffusion n°{broadcast_id} lancée. Je mets à jour sa progression "
                    "ici ; /diffusions pour la suspendre ou l'annuler."
                )
            ]
        if len(args) == 2 and args[0] in {"pause", "resume", "cancel"} and args[1].isdigit():
            return [await self._control(args[0], int(args[1]), actor.chat_id)]
        return expired

    async def _preview(self, draft: Draft) -> list[Reply]:
        content = self.service.content
        draft.stage = "confirm"
        draft.preview_version = next(self._versions)
        body, label = render_alert(content, draft.text, draft.category, "fr")
        count = await self.queue.recipients(draft.category)
        # One message, never split: the preview fails exactly as the alert itself would.
        preview = Reply(body, rows([Button(label, callbacks.encode("b", "noop"))]), whole=True)
        confirm = Reply(
            f"⬆️ Aperçu exact du message. Destinataires : <b>{count}</b> abonné(s).",
            (
                (
                    Button(
                        f"✅ Envoyer à {count}", callbacks.encode("b", "go", draft.preview_version)
                    ),
                    Button("✖ Annuler", callbacks.encode("b", "no")),
                ),
            ),
        )
        return [preview, confirm]

    async def _listing(self) -> Reply:
        recent = await self.queue.recent(10)
        if not recent:
            return Reply("Aucune diffusion pour l'instant. /diffuser pour en lancer une.")
        lines = ["<b>Diffusions récentes</b>"]
        buttons: list[Button] = []
        for info in recent:
            lines.append(_summary(info))
            if info.status == RUNNING:
                buttons += [
                    Button(f"⏸ n°{info.id}", callbacks.encode("b", "pause", info.id)),
                    Button(f"✖ n°{info.id}", callbacks.encode("b", "cancel", info.id)),
                ]
            elif info.status == PAUSED:
                buttons += [
                    Button(f"▶ n°{info.id}", callbacks.encode("b", "resume", info.id)),
                    Button(f"✖ n°{info.id}", callbacks.encode("b", "cancel", info.id)),
                ]
        return Reply("\n".join(lines), rows(buttons, per_row=2))

    async def _control(self, op: str, broadcast_id: int, chat_id: int) -> Reply:
        info = await self.queue.info(broadcast_id)
        if info is None:
            return Reply("Diffusion inconnue.")
        status = {"pause": PAUSED, "resume": RUNNING, "cancel": CANCELLED}[op]
        if not await self.queue.set_status(broadcast_id, status):
            return Reply(f"La diffusion n°{broadcast_id} est déjà terminée.")
        if op == "resume":  # the admin decided: a pause for "all gone" is not repeated
            self.start(broadcast_id, info.category, chat_id, trust_gone=True)
        return Reply(f"Diffusion n°{broadcast_id} : {status}.")

    def start(
        self, broadcast_id: int, category: str, admin_chat: int | None, trust_gone: bool = False
    ) -> None:
        if broadcast_id in self.tasks and not self.tasks[broadcast_id].done():
            return
        task = asyncio.create_task(self._run(broadcast_id, category, admin_chat, trust_gone))
        self.tasks[broadcast_id] = task

    async def _run(
        self, broadcast_id: int, category: str, admin_chat: int | None, trust_gone: bool
    ) -> None:
        broadcaster = make_broadcaster(
            self.bot,
            self.service.content,
            self.db,
            self.queue,
            self.limiter,
            category,
            gone_quorum=0 if trust_gone else GONE_QUORUM,
        )
        message_id: int | None = None

        async def progress(p: Progress) -> None:
            nonlocal message_id
            if admin_chat is None:
                return
            final = p.info.status != RUNNING
            text = progress_text(p, final)
            with contextlib.suppress(BadRequest, Forbidden, NetworkError):
                if message_id is None:
                    sent = await self.bot.send_message(admin_chat, text, parse_mode=ParseMode.HTML)
                    message_id = sent.message_id
                else:
                    await self.bot.edit_message_text(
                        text, admin_chat, message_id, parse_mode=ParseMode.HTML
                    )

        try:
            while True:
                info = await broadcaster.run(broadcast_id, progress)
                # Resumed while this task was finishing (its last progress edit): `start`
                # saw it still alive and left the work to it, so it must go on.
                if info is None or await self.queue.status(broadcast_id) != RUNNING:
                    break
            if info is not None:
                log.info("broadcast %d %s: %s", broadcast_id, info.status, info.counts)
        except Exception:
            log.exception(
                "broadcast %d stopped; it stays queued and resumes at next start", broadcast_id
            )
        finally:
            await broadcaster.close()


def _summary(info: BroadcastInfo) -> str:
    sent = info.counts.get("sent", 0)
    return (
        f"n°{info.id} · {info.status} · {info.category} · {sent}/{info.total} envoyés · "
        f"{info.remaining} restants"
    )


async def resume_unfinished(app: Any, service: Vigie, db: Database, settings: Settings) -> None:
    """At start-up: wire the admin conversation and restart every running broadcast."""
    limiter = RateLimiter(settings.broadcast_rate)
    app.bot_data["vigie_limiter"] = limiter
    admin = AdminBroadcasts(service, app.bot, db, limiter)
    app.bot_data["vigie_broadcasts"] = admin
    admin_commands = app.bot_data.get("vigie_admin")
    if admin_commands is not None:
        admin_commands.broadcasts = admin
    service.admin_wants_text = admin.wants_text
    queue = BroadcastQueue(db)
    for broadcast_id in await queue.unfinished():
        info = await queue.info(broadcast_id)
        if info is not None:
            log.info("resuming broadcast %d (%d remaining)", broadcast_id, info.remaining)
            admin.start(broadcast_id, info.category, None)
