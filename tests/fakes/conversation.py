"""Conversation-style helpers on top of :class:`~tests.fakes.bot_api.FakeBotApi`.

::

    chat = Chat(api, user_id=1001, language_code="fr", app=app)
    replies = await chat.send("bonjour")
    replies = await chat.click("Oui")
    assert chat.last.text.startswith("Très bien")
    assert ("Non", "no") in chat.last.buttons
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application

from .bot_api import Call, FakeBotApi, JSONDict

#: Calls that count as replies in a chat.
REPLY_METHODS = frozenset({"sendMessage", "sendDocument", "editMessageText"})


@dataclass
class Reply:
    """What the user sees of one bot message (new or edited)."""

    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    document: tuple[str, bytes] | None = None
    edited: bool = False
    message_id: int = 0
    #: The inline keyboard layout, row by row, as (text, callback_data or url).
    rows: list[list[tuple[str, str]]] = field(default_factory=list)
    #: The text / caption exactly as the bot sent it (before HTML/Markdown rendering).
    raw_text: str = ""
    parse_mode: str | None = None
    #: Texts of a ReplyKeyboardMarkup sent with the message, if any.
    reply_keyboard: list[str] = field(default_factory=list)
    method: str = "sendMessage"

    @property
    def button_texts(self) -> list[str]:
        return [text for text, _ in self.buttons]

    @property
    def callback_data(self) -> list[str]:
        return [data for _, data in self.buttons]

    @classmethod
    def from_call(cls, call: Call, api: FakeBotApi) -> Reply | None:
        """The Reply for a successful sendMessage/sendDocument/editMessageText call."""
        message = call.result
        if not isinstance(message, dict):
            return None  # e.g. editMessageText of an inline message returns True
        rows = keyboard_rows(message)
        document: tuple[str, bytes] | None = None
        if "document" in message:
            stored = api.file(message["document"]["file_id"])
            if stored is not None:
                document = (stored.file_name, stored.content)
        raw = call.params.get("text", call.params.get("caption", ""))
        mode = call.params.get("parse_mode")
        markup = call.params.get("reply_markup")
        reply_keyboard: list[str] = []
        if isinstance(markup, dict) and isinstance(markup.get("keyboard"), list):
            for row in markup["keyboard"]:
                for button in row:
                    reply_keyboard.append(
                        str(button.get("text", "")) if isinstance(button, dict) else str(button)
                    )
        return cls(
            text=str(message.get("text", message.get("caption", ""))),
            buttons=[button for row in rows for button in row],
            document=document,
            edited=call.method.startswith("edit"),
            message_id=int(message["message_id"]),
            rows=rows,
            raw_text=str(raw),
            parse_mode=str(mode) if mode else None,
            reply_keyboard=reply_keyboard,
            method=call.method,
        )


def keyboard_rows(message: JSONDict) -> list[list[tuple[str, str]]]:
    """Inline keyboard of a Message dict as rows of (text, callback_data or url)."""
    markup = message.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    rows: list[list[tuple[str, str]]] = []
    for row in markup.get("inline_keyboard", []):
        rows.append(
            [
                (
                    str(button.get("text", "")),
                    str(button.get("callback_data", button.get("url", ""))),
                )
                for button in row
            ]
        )
    return rows


class Chat:
    """One user talking to the bot in one chat (private by default)."""

    def __init__(
        self,
        api: FakeBotApi,
        user_id: int,
        *,
        chat_id: int | None = None,
        language_code: str | None = "fr",
        username: str | None = None,
        first_name: str = "Test",
        app: Application[Any, Any, Any, Any, Any, Any] | None = None,
        quiet: float | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.api = api
        self.user_id = user_id
        self.chat_id = user_id if chat_id is None else chat_id
        self.language_code = language_code
        self.username = username
        self.first_name = first_name
        #: When given, wait_idle also waits for the application's update processing.
        self.app = app
        #: Seconds without bot activity that count as "done" (see FakeBotApi.wait_idle).
        self.quiet = quiet
        self.timeout = timeout
        #: Every reply collected so far, in order.
        self.history: list[Reply] = []
        self._cursor = len(api.calls)

    # ---------------------------------------------------------------- user actions

    async def send(self, text: str) -> list[Reply]:
        """The user sends a text message; returns the bot's replies in this chat."""
        self._cursor = len(self.api.calls)
        self.api.message(self.user_id, text, chat_id=self.chat_id, **self._who())
        return await self.wait()

    async def click(self, text: str, *, message_id: int | None = None) -> list[Reply]:
        """The user presses the inline button labelled ``text`` (exact match first, else a
        unique case-insensitive prefix) of the most recent bot message that has an inline
        keyboard (or of ``message_id``)."""
        message = self._keyboard_message(message_id)
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        chosen = [b for b in buttons if b.get("text") == text]
        if not chosen:
            folded = text.casefold()
            chosen = [b for b in buttons if str(b.get("text", "")).casefold().startswith(folded)]
        labels = [b.get("text") for b in buttons]
        if not chosen:
            raise AssertionError(f"no button {text!r} in message {message['message_id']}: {labels}")
        if len(chosen) > 1:
            raise AssertionError(f"button {text!r} is ambiguous among {labels}")
        button = chosen[0]
        if "callback_data" not in button:
            raise AssertionError(f"button {button.get('text')!r} has no callback_data: {button}")
        return await self._press(str(button["callback_data"]), int(message["message_id"]))

    async def click_data(self, data: str, *, message_id: int | None = None) -> list[Reply]:
        """Send a callback_query with arbitrary (forged / stale) data, attached to
        ``message_id`` or to the latest keyboard message (else the latest bot message)."""
        if message_id is None:
            messages = self.api.bot_messages(self.chat_id)
            if not messages:
                raise AssertionError("the bot has sent no message in this chat to click on")
            with_keyboard = [m for m in messages if keyboard_rows(m)]
            message_id = int((with_keyboard or messages)[-1]["message_id"])
        return await self._press(data, message_id)

    async def sticker(self, emoji: str = "👍") -> list[Reply]:
        self._cursor = len(self.api.calls)
        self.api.sticker(self.user_id, emoji=emoji, chat_id=self.chat_id, **self._who())
        return await self.wait()

    async def photo(self, caption: str | None = None) -> list[Reply]:
        self._cursor = len(self.api.calls)
        self.api.photo(self.user_id, caption=caption, chat_id=self.chat_id, **self._who())
        return await self.wait()

    async def document(
        self, filename: str, content: bytes, mime_type: str = "application/octet-stream"
    ) -> list[Reply]:
        self._cursor = len(self.api.calls)
        self.api.document(
            self.user_id, filename, content, mime_type=mime_type, chat_id=self.chat_id,
            **self._who(),
        )  # fmt: skip
        return await self.wait()

    async def edit(self, text: str, *, message_id: int | None = None) -> list[Reply]:
        """The user edits one of their messages (their last one by default)."""
        self._cursor = len(self.api.calls)
        self.api.edited_message(
            self.user_id, text, message_id=message_id, chat_id=self.chat_id, **self._who()
        )
        return await self.wait()

    async def wait(self) -> list[Reply]:
        """Wait until the bot is idle; return the replies not collected yet (e.g. sent by a
        job or after a restart)."""
        await self.api.wait_idle(quiet=self.quiet, timeout=self.timeout, app=self.app)
        return self._collect()

    # ---------------------------------------------------------------- inspection

    @property
    def last(self) -> Reply:
        if not self.history:
            raise AssertionError("the bot has not replied in this chat yet")
        return self.history[-1]

    @property
    def answered_callbacks(self) -> list[Call]:
        """answerCallbackQuery calls for this user's callback queries."""
        return [
            c
            for c in self.api.calls
            if c.method == "answerCallbackQuery"
            and self.api.callback_user(c.params.get("callback_query_id")) == self.user_id
        ]

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Buttons of the most recent bot message that currently has an inline keyboard."""
        messages = [m for m in self.api.bot_messages(self.chat_id) if keyboard_rows(m)]
        if not messages:
            return []
        return [b for row in keyboard_rows(messages[-1]) for b in row]

    # ---------------------------------------------------------------- internals

    def _who(self) -> dict[str, Any]:
        return {
            "language_code": self.language_code,
            "username": self.username,
            "first_name": self.first_name,
        }

    async def _press(self, data: str, message_id: int) -> list[Reply]:
        self._cursor = len(self.api.calls)
        self.api.callback(
            self.user_id,
            data,
            message_id=message_id,
            chat_id=self.chat_id,
            language_code=self.language_code,
            username=self.username,
            first_name=self.first_name,
        )
        return await self.wait()

    def _keyboard_message(self, message_id: int | None) -> JSONDict:
        if message_id is not None:
            message = self.api.message_state(self.chat_id, message_id)
            if message is None or not keyboard_rows(message):
                raise AssertionError(f"message {message_id} has no inline keyboard")
            return message
        messages = [m for m in self.api.bot_messages(self.chat_id) if keyboard_rows(m)]
        if not messages:
            raise AssertionError("no bot message with an inline keyboard in this chat")
        return messages[-1]

    def _collect(self) -> list[Reply]:
        calls = self.api.calls[self._cursor :]
        self._cursor = len(self.api.calls)
        replies: list[Reply] = []
        for call in calls:
            if call.method in REPLY_METHODS and call.ok and call.chat_id == self.chat_id:
                reply = Reply.from_call(call, self.api)
                if reply is not None:
                    replies.append(reply)
        self.history.extend(replies)
        return replies
