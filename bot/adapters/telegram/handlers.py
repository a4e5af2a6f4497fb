"""Thin Telegram handlers: read the update, call the service, render the replies.

One generic handler sees every update, so unknown commands, stickers and
forged buttons all get an answer from the same core instead of falling
through PTB's handler list.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError
from telegram.ext import ContextTypes

from bot.core.events import Event
from bot.core.html import split_message, visible_text
from bot.core.limits import MAX_MESSAGE_LENGTH
from bot.core.reply import Reply
from bot.documents.docx import to_docx
from bot.service import Actor, Vigie

log = logging.getLogger("vigie.telegram")
SERVICE_KEY = "vigie_service"
CAPTION_LIMIT = 1024


def service_of(context: ContextTypes.DEFAULT_TYPE) -> Vigie:
    service = context.application.bot_data[SERVICE_KEY]
    assert isinstance(service, Vigie)
    return service


def parse_update(update: Update, bot_username: str | None) -> tuple[Actor, Event] | None:
    """The actor and event of an update, or None when Vigie should stay silent."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    private = chat.type == ChatType.PRIVATE
    actor = Actor(user.id, chat.id, user.language_code, private)
    if update.callback_query is not None:
        return actor, Event("press", update.callback_query.data or "")
    message = update.message
    if message is None:  # edited messages, channel posts, reactions...
        return None
    if message.text is not None:
        text = message.text
        if text.startswith("/"):
            head, _, args = text[1:].partition(" ")
            name, _, target = head.partition("@")
            if target and bot_username and target.lower() != bot_username.lower():
                return None  # a command for another bot in a group
            return actor, Event("command", name, args.strip())
        if not private:
            return None  # in groups, only commands addressed to the bot
        return actor, Event("text", text)
    if not private:
        return None
    return actor, Event("media", _media_kind(message))


def _media_kind(message: Message) -> str:
    for kind in (
        "sticker",
        "photo",
        "voice",
        "audio",
        "video",
        "document",
        "location",
        "contact",
        "animation",
        "video_note",
        "poll",
    ):
        if getattr(message, kind, None):
            return kind
    return "other"


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


async def send_reply(context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> None:
    """Send one reply: HTML split under 4,096 characters (unless `whole`), buttons on the
    last part."""
    if reply.whole:
        chunks = [reply.text]
    else:
        chunks = split_message(reply.text, MAX_MESSAGE_LENGTH) if reply.text else []
    markup = keyboard(reply)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await _send_text(context, chat_id, chunk, markup if last else None)
    for document in reply.documents:
        # Built in memory, sent, forgotten: the file never touches the disk. In a thread:
        # about 0.1 s of CPU per file would otherwise hold up every other member.
        content = await asyncio.to_thread(to_docx, document.draft)
        await context.bot.send_document(
            chat_id,
            InputFile(content, filename=document.filename),
            filename=document.filename,
            caption=document.caption[:1024] or None,
        )


async def _send_text(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, markup: Any
) -> None:
    try:
        await context.bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            disable_web_page_preview=True,
        )
    except BadRequest as exc:
        if "parse" not in str(exc).lower() and "entit" not in str(exc).lower():
            raise
        # Content the loader accepted but Telegram refused: never leave the member unanswered.
        log.warning("Telegram refused the HTML of a reply; sending it as plain text")
        await context.bot.send_message(
            chat_id, visible_text(text)[:MAX_MESSAGE_LENGTH], reply_markup=markup
        )


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parsed = parse_update(update, context.bot.username if context.bot else None)
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(BadRequest):  # too old to answer: the reply still explains
            await query.answer()
    if parsed is None:
        return
    actor, event = parsed
    service = service_of(context)

    async def deliver(replies: list[Reply]) -> None:
        # Sent under the member's lock: their next update waits until these are sent.
        limiter = context.application.bot_data.get("vigie_limiter")
        try:
            for reply in replies:
                await send_reply(context, actor.chat_id, reply)
                if limiter is not None:  # interactive replies count in the broadcast window
                    for _ in range(1 + len(reply.documents)):  # a message, then each file
                        limiter.note_interactive(actor.chat_id)
        except Forbidden:
            log.info("a member blocked the bot; reply dropped")

    await service.handle(actor, event, deliver)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One log line per incident, without the member's text or ids."""
    error = context.error
    if update is None and isinstance(error, NetworkError):
        return  # polling retries: the request layer logs one line per incident
    log.error("error while handling an update: %s: %s", type(error).__name__, sanitised(error))


_LONG_NUMBER = re.compile(r"-?\d{5,}")
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")


def sanitised(error: BaseException | None) -> str:
    """An error's message without what could identify a chat or leak a token.

    `ChatMigrated` says "New chat id: -100…"; other messages may quote a chat id
    or a URL: tokens and every number of five digits or more are masked.
    """
    if isinstance(error, ChatMigrated):
        return "a group became a supergroup (its new id is not logged)"
    text = _TOKEN.sub("<token>", str(error))
    return _LONG_NUMBER.sub("<n>", text)[:300]
