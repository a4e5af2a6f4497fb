"""A fake Telegram Bot API server for end-to-end tests.

Only Telegram's servers are faked, at the HTTP boundary: the real python-telegram-bot
``Application`` (long polling or webhook) talks HTTP to an aiohttp server bound to
``127.0.0.1`` on a random free port.  Nothing here ever contacts the real network: webhook
deliveries and :meth:`FakeBotApi.post_webhook` refuse any non-loopback URL, and URLs given
as documents are never fetched.

Typical use::

    async with FakeBotApi() as api:
        app = api.application_builder().build()   # token + base_url + base_file_url
        add_handlers(app)
        async with running(app):                   # initialize, poll, start ... stop, shutdown
            api.message(1001, "/start")
            await api.wait_idle(app=app)
            assert api.sent(chat_id=1001)[0].result["text"] == "Bienvenue"

What is realistic (taken from Telegram's documented behaviour and PTB 22's parsing):

* the response envelope ``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": N,
  "description": "...", "parameters": {...}}`` with the HTTP status equal to ``error_code``;
* parameters are read from the query string, JSON bodies, url-encoded forms (what PTB sends:
  every non-string value JSON-encoded) and multipart forms (uploads);
* ``getUpdates`` long polling with ``offset`` confirmation, ``limit``, ``timeout`` (capped to
  :attr:`FakeBotApi.max_poll_wait`), persistent ``allowed_updates``, ``409 Conflict`` while a
  webhook is set or when a newer ``getUpdates`` supersedes a waiting one;
* message ids increasing per chat, ``editMessageText`` dropping the inline keyboard when no
  ``reply_markup`` is given, "message is not modified" errors, HTML / MarkdownV2 / Markdown
  parse errors (``<br>`` or an unescaped ``<`` in HTML is rejected, as Telegram does), the
  4096-character text limit, the 1024-character caption limit and 64-byte callback data;
* ``<a>`` without ``href`` and ``<span>`` without ``class="tg-spoiler"`` are refused.

Opt-in, because tests that set up a situation directly would otherwise need to replay
how it came about (constructor arguments of :class:`FakeBotApi`):

* ``rate_limits=RateLimits()``: 429 with ``retry_after`` past about 30 messages a second
  for the bot, one a second in a private chat, 20 a minute in a group;
* ``callback_ttl=15.0``: ``answerCallbackQuery`` later than that after the press gets
  "query is too old";
* ``require_start=True``: writing to a private chat whose user never wrote to the bot (nor
  was declared with :meth:`FakeBotApi.started`) gets 403 "bot can't initiate conversation".
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import ipaddress
import itertools
import json
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from telegram.ext import Application, ApplicationBuilder

from .telegram_limits import RateLimits

JSONDict = dict[str, Any]
RuleResult = JSONDict | tuple[int, JSONDict] | None
Rule = Callable[[str, JSONDict], RuleResult | Awaitable[RuleResult]]

BOT_ID = 7_000_000_001
BOT_USERNAME = "vigie_test_bot"
BOT_FIRST_NAME = "Vigie"
#: PTB only requires a non-empty token; this one looks like a real one ("<bot id>:<secret>").
DEFAULT_TOKEN = f"{BOT_ID}:AAF4ke-T0ken_for_tests_only_0123456789"

#: Methods whose successful calls are "messages the bot sent" (see :meth:`FakeBotApi.sent`).
SENT_METHODS = frozenset({"sendMessage", "sendDocument", "editMessageText"})

#: Every update type of Bot API 9.x, and the default set Telegram delivers when
#: ``allowed_updates`` was never given (or given as an empty list).
ALL_UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
        "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

_DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# Parameters that are plain strings even when they look like JSON ("123", "true", "[x]").
_STRING_KEYS = frozenset(
    {
        "text", "caption", "callback_query_id", "url", "secret_token", "language_code",
        "parse_mode", "action", "inline_message_id", "file_id", "description",
        "short_description", "name", "query", "ip_address", "emoji", "title",
        "business_connection_id", "message_effect_id", "switch_pm_text", "switch_pm_parameter",
    }
)  # fmt: skip
# Parameters that hold JSON objects/arrays (decoded when a JSON body sends them as strings).
_JSON_KEYS = frozenset(
    {
        "reply_markup", "allowed_updates", "commands", "scope", "entities",
        "caption_entities", "link_preview_options", "reply_parameters", "menu_button", "rights",
    }
)  # fmt: skip
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_BOT_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_INTEGER = re.compile(r"-?[0-9]{1,20}")


class TelegramApiError(Exception):
    """An error answer of the fake API; handlers and :attr:`FakeBotApi.rule` may raise it."""

    def __init__(
        self,
        status: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        self.status = status
        self.description = description or _default_description(status, retry_after)
        self.parameters: JSONDict = {}
        if retry_after is not None:
            self.parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            self.parameters["migrate_to_chat_id"] = migrate_to_chat_id
        super().__init__(f"{status} {self.description}")

    def envelope(self) -> JSONDict:
        """Telegram's error envelope for this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def _default_description(status: int, retry_after: int | None = None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after if retry_after is not None else 1}"
    return _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")


def error_envelope(
    status: int, description: str | None = None, *, retry_after: int | None = None
) -> JSONDict:
    """Build Telegram's error envelope, e.g. for :attr:`FakeBotApi.rule` to return."""
    if status == 429 and retry_after is None:
        retry_after = 1
    return TelegramApiError(status, description, retry_after=retry_after).envelope()


@dataclass
class UploadedFile:
    """A file the bot uploaded (multipart part)."""

    filename: str
    content: bytes
    content_type: str


@dataclass
class Call:
    """One HTTP request the bot made, recorded when it arrives and completed when answered.

    ``status`` is 0 while the request is still being processed (delayed or long polling),
    then the HTTP status of the answer (200 or the error code).  ``response`` is the JSON
    envelope.  ``client_gone`` is True when the client had already given up (read timeout,
    cancelled long poll): the call still took effect, as it would on Telegram's side.
    """

    method: str
    params: JSONDict
    at: float
    chat_id: int | None
    status: int = 0
    response: JSONDict | None = None
    files: dict[str, UploadedFile] = field(default_factory=dict)
    http_method: str = "POST"
    finished_at: float | None = None
    client_gone: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call (a Message dict, True, a list...), else None."""
        return self.response.get("result") if self.response and self.ok else None

    @property
    def description(self) -> str | None:
        """The error description of a failed call."""
        return self.response.get("description") if self.response else None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    content: bytes
    file_path: str


@dataclass
class WebhookDelivery:
    update_id: int
    url: str
    status: int  # 0 when the connection failed
    at: float


@dataclass
class _Fault:
    method: str
    status: int
    description: str | None
    retry_after: int | None
    remaining: int | None  # None: forever
    chat_id: int | None

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method not in (method, "*"):
            return False
        if self.method == "*" and method == "getUpdates":
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass
class _Delay:
    seconds: float
    remaining: int | None


@dataclass
class _CallbackInfo:
    user_id: int
    chat_id: int | None
    answered: bool = False
    at: float = 0.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (for PTB's webhook server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class FakeBotApi:
    """A fake Telegram Bot API HTTP server on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        token: str | None = None,
        max_poll_wait: float = 1.0,
        bot_id: int = BOT_ID,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = BOT_FIRST_NAME,
        rate_limits: RateLimits | None = None,
        callback_ttl: float | None = None,
        require_start: bool = False,
        port: int = 0,
    ) -> None:
        #: The port to listen on; 0 picks a free one (a fixed one lets a test start the
        #: server after the bot, as when the network comes up late).
        self.requested_port = port
        #: When set, requests with another token get 401 Unauthorized.
        self.token = token
        #: Telegram's flood limits on sendMessage / sendDocument (None: never enforced).
        self.rate_limits = rate_limits
        #: Seconds after a press when answerCallbackQuery is "too old" (None: never).
        self.callback_ttl = callback_ttl
        #: The clock of callback ages (tests may replace it).
        self.clock: Callable[[], float] = time.monotonic
        #: Refuse private chats whose user never wrote to the bot (see :meth:`started`).
        self.require_start = require_start
        self._started: set[int] = set()
        #: Upper bound of a getUpdates long poll, whatever ``timeout`` the bot asks for.
        self.max_poll_wait = max_poll_wait
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        #: Every request received, in arrival order (getUpdates included).
        self.calls: list[Call] = []
        #: Optional hook ``(method, params) -> envelope | (status, envelope) | None`` run
        #: before the normal behaviour (after :meth:`fail` faults); may be async, may raise
        #: :class:`TelegramApiError`.  Returning None means "behave normally".
        self.rule: Rule | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        #: Exceptions raised inside the fake or a rule (answered as 500); should stay empty.
        self.internal_errors: list[Exception] = []
        #: setMyDescription & co., keyed by (field, language_code) or ("menu_button", chat_id).
        self.profile: dict[tuple[str, str], Any] = {}

        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()

        self._queue: list[JSONDict] = []
        self._update_ids = itertools.count(100_001)
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._inflight = 0
        self._last_activity = time.monotonic()

        self._faults: list[_Fault] = []
        self._raw_faults: list[tuple[_Fault, str, str]] = []
        self._delays: dict[str, list[_Delay]] = {}
        self._blocked: set[int] = set()

        self._users: dict[int, JSONDict] = {}
        self._chat_types: dict[int, str] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._raw: dict[tuple[int, int], tuple[str, str | None]] = {}
        self._touched: dict[tuple[int, int], int] = {}
        self._touch_seq = itertools.count(1)
        self._callbacks: dict[str, _CallbackInfo] = {}
        self._callback_ids = itertools.count(4_000_000_000_000_001)
        self._files: dict[str, StoredFile] = {}
        self._file_seq = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}

        self._webhook: JSONDict = {}

        self._handlers: dict[str, Callable[[Call], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "close": self._true,
            "logOut": self._true,
            "setMyDescription": self._set_profile("description"),
            "setMyShortDescription": self._set_profile("short_description"),
            "setMyName": self._set_profile("name"),
            "setChatMenuButton": self._set_profile("menu_button"),
            "getMyDescription": self._get_profile("description"),
            "getMyShortDescription": self._get_profile("short_description"),
            "getMyName": self._get_profile("name"),
            "getChatMenuButton": self._get_chat_menu_button,
        }
        self._method_names = {name.lower(): name for name in self._handlers}

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start serving on 127.0.0.1 with a random free port."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi already started")
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=10), trust_env=False
        )
        self._webhook_task = asyncio.create_task(self._webhook_worker(), name="fake-webhook")

    async def stop(self) -> None:
        """Wake every waiting long poll / delay, stop the server and close the client session."""
        self._closing.set()
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token, then ``/method``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` (file downloads after getFile)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def application_builder(
        self, token: str = DEFAULT_TOKEN
    ) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """``Application.builder()`` with the token and both URLs pointing at this fake."""
        return (
            Application.builder()
            .token(token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    # ------------------------------------------------------------------ recording

    def calls_to(self, method: str, *, chat_id: int | None = None) -> list[Call]:
        """Completed and pending calls of one method (optionally to one chat)."""
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage / sendDocument / editMessageText calls, in order."""
        return [
            c
            for c in self.calls
            if c.method in SENT_METHODS and c.ok and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """The (rendered) texts / captions of :meth:`sent` messages."""
        texts: list[str] = []
        for call in self.sent(chat_id):
            result = call.result
            if isinstance(result, dict):
                texts.append(str(result.get("text", result.get("caption", ""))))
        return texts

    def documents(self, chat_id: int | None = None) -> list[tuple[str, bytes]]:
        """``(filename, content)`` of the documents the bot sent (to one chat)."""
        out: list[tuple[str, bytes]] = []
        for call in self.sent(chat_id):
            if call.method != "sendDocument" or not isinstance(call.result, dict):
                continue
            stored = self._files.get(call.result["document"]["file_id"])
            if stored is not None:
                out.append((stored.file_name, stored.content))
        return out

    def file(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def failures(self) -> list[Call]:
        """Calls answered with an error status (except answers nobody was waiting for)."""
        return [c for c in self.calls if c.status not in (0, 200) and not c.client_gone]

    def commands(
        self, language_code: str = "", scope: JSONDict | None = None
    ) -> list[tuple[str, str]] | None:
        """The commands set for ``scope`` (default scope) and ``language_code``, or None."""
        stored = self._commands.get(_commands_key(scope, language_code))
        if stored is None:
            return None
        return [(c["command"], c["description"]) for c in stored]

    @property
    def command_sets(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """All command lists, keyed by (scope type, language_code)."""
        return {
            (json.loads(scope)["type"], lang): [(c["command"], c["description"]) for c in cmds]
            for (scope, lang), cmds in self._commands.items()
        }

    @property
    def webhook_url(self) -> str:
        return str(self._webhook.get("url", ""))

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Pushed updates not yet confirmed by getUpdates / delivered to the webhook."""
        return list(self._queue)

    def message_state(self, chat_id: int, message_id: int) -> JSONDict | None:
        """The current state of a message (after edits), or None if unknown / deleted."""
        return self._messages.get((chat_id, message_id))

    def bot_messages(self, chat_id: int) -> list[JSONDict]:
        """The bot's messages in a chat, least recently sent-or-edited first."""
        keys = [
            k
            for k, m in self._messages.items()
            if k[0] == chat_id and m.get("from", {}).get("id") == self.bot_user["id"]
        ]
        keys.sort(key=lambda k: self._touched.get(k, 0))
        return [self._messages[k] for k in keys]

    def raw_text(self, chat_id: int, message_id: int) -> tuple[str, str | None] | None:
        """``(text as sent, parse_mode)`` of a bot message, before markup rendering."""
        return self._raw.get((chat_id, message_id))

    def callback_user(self, callback_query_id: object) -> int | None:
        info = self._callbacks.get(str(callback_query_id))
        return info.user_id if info else None

    # ------------------------------------------------------------------ fault injection

    def fail(
        self,
        method: str,
        *,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int | None = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` matching calls with an error (``times=None``: forever).

        ``method="*"`` matches every method but getUpdates.  The default descriptions are
        Telegram's: 429 "Too Many Requests: retry after N" (+ ``parameters.retry_after``),
        403 "Forbidden: bot was blocked by the user", 400 "Bad Request: chat not found",
        500 "Internal Server Error", 502 "Bad Gateway".
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        self._faults.append(_Fault(method, status, description, retry_after, times, chat_id))

    def answer_raw(
        self,
        method: str,
        *,
        status: int,
        body: str,
        content_type: str = "text/html",
        times: int | None = 1,
    ) -> None:
        """Answer the next ``times`` calls with ``body`` as it is, not Telegram's JSON: what a
        proxy, a firewall or a load balancer in front of Telegram sends (``times=None``:
        forever).  The call is recorded with this status and no envelope."""
        self._raw_faults.append(
            (_Fault(method, status, None, None, times, None), body, content_type)
        )

    def delay(self, method: str, seconds: float, times: int | None = 1) -> None:
        """Delay the next ``times`` calls of ``method`` by ``seconds`` before processing them.

        The call is still processed after the delay (even if the client timed out and went
        away), as a slow Telegram would do.  :meth:`stop` cuts delays short.
        """
        self._delays.setdefault(method, []).append(_Delay(seconds, times))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._raw_faults.clear()
        self._delays.clear()
        self.rule = None

    def started(self, *chat_ids: int) -> None:
        """These users wrote to the bot before (e.g. subscribers loaded into the database)."""
        self._started.update(chat_ids)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every call to this chat gets 403 until :meth:`unblock`."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ update injection

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue an update for getUpdates (or the webhook); assigns ``update_id`` if missing."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        else:
            uid = int(update["update_id"])
            current = next(self._update_ids)
            self._update_ids = itertools.count(max(current, uid + 1))
        self._queue.append(update)
        self._queue.sort(key=lambda u: int(u["update_id"]))
        self._last_activity = time.monotonic()
        self._notify()
        return update

    def message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        language_code: str | None = "fr",
        username: str | None = None,
        first_name: str = "Test",
        chat_type: str | None = None,
        reply_to_message_id: int | None = None,
        push: bool = True,
    ) -> JSONDict:
        """A text message from a user (``/command`` gets its ``bot_command`` entity)."""
        msg = self._user_message(user_id, chat_id, language_code, username, first_name, chat_type)
        msg["text"] = text
        entities = _command_entities(text)
        if entities:
            msg["entities"] = entities
        if reply_to_message_id is not None:
            replied = self._messages.get((msg["chat"]["id"], reply_to_message_id))
            if replied is not None:
                msg["reply_to_message"] = replied
        return self._emit({"message": msg}, push)

    def edited_message(
        self,
        user_id: int,
        text: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
        language_code: str | None = "fr",
        username: str | None = None,
        first_name: str = "Test",
        chat_type: str | None = None,
        push: bool = True,
    ) -> JSONDict:
        """The user edited one of their messages (by default their last one)."""
        sender = self._user(user_id, language_code, username, first_name)
        cid = user_id if chat_id is None else chat_id
        chat = self._chat_object(cid, chat_type)
        if message_id is None:
            own = [
                k[1]
                for k, m in self._messages.items()
                if k[0] == cid and m.get("from", {}).get("id") == user_id
            ]
            message_id = max(own) if own else self._next_message_id(cid)
        original = self._messages.get((cid, message_id), {})
        msg: JSONDict = {
            "message_id": message_id,
            "from": sender,
            "chat": chat,
            "date": original.get("date", int(time.time()) - 1),
            "edit_date": int(time.time()),
            "text": text,
        }
        entities = _command_entities(text)
        if entities:
            msg["entities"] = entities
        self._store(msg)
        return self._emit({"edited_message": msg}, push)

    def callback(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int,
        chat_id: int | None = None,
        language_code: str | None = "fr",
        username: str | None = None,
        first_name: str = "Test",
        push: bool = True,
    ) -> JSONDict:
        """A click on an inline button: callback_query carrying the message it belongs to."""
        sender = self._user(user_id, language_code, username, first_name)
        cid = user_id if chat_id is None else chat_id
        message = self._messages.get((cid, message_id))
        if message is None:  # forged / deleted message: still a plausible object
            message = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": self._chat_object(cid, None),
                "date": int(time.time()) - 60,
                "text": "",
            }
        query_id = str(next(self._callback_ids))
        self._callbacks[query_id] = _CallbackInfo(user_id, cid, at=self.clock())
        query: JSONDict = {
            "id": query_id,
            "from": sender,
            "message": json.loads(json.dumps(message)),
            "chat_instance": str(abs(cid) * 7919 + 13),
            "data": data,
        }
        return self._emit({"callback_query": query}, push)

    def sticker(
        self,
        user_id: int,
        *,
        emoji: str = "👍",
        chat_id: int | None = None,
        language_code: str | None = "fr",
        username: str | None = None,
        first_name: str = "Test",
        chat_type: str | None = None,
        push: bool = True,
    ) -> JSONDict:
        """A sticker message."""
        msg = self._user_message(user_id, chat_id, language_code, username, first_name, chat_type)
        stored = self.add_file(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "sticker.webp", "image/webp")
        msg["sticker"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.content),
        }
        return self._emit({"message": msg}, push)

    def photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        language_code: str | None = "fr",
        username: str | None = None,
        first_name: str = "Test",
        chat_type: str | None = None,
        push: bool = True,
    ) -> JSONDict:
        """A photo message (three sizes, like Telegram sends), with an optional caption."""
        msg = self._user_message(user_id, chat_id, language_code, username, first_name, chat_type)
        sizes = []
        for width, height in ((90, 67), (320, 240), (800, 600)):
            stored = self.add_file(b"\xff\xd8\xff\xe0" + bytes(width), "photo.jpg", "image/jpeg")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(stored.content),
                }
            )
        msg["photo"] = sizes
        if caption is not None:
            msg["caption"] = caption
        return self._emit({"message": msg}, push)

    def document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        chat_id: int | None = None,
        language_code: str | None = "fr",
        username: str | None = None,
        first_name: str = "Test",
        chat_type: str | None = None,
        push: bool = True,
    ) -> JSONDict:
        """A document sent by the user (downloadable by the bot via getFile)."""
        msg = self._user_message(user_id, chat_id, language_code, username, first_name, chat_type)
        stored = self.add_file(content, filename, mime_type)
        msg["document"] = _document_object(stored)
        if caption is not None:
            msg["caption"] = caption
        return self._emit({"message": msg}, push)

    def add_file(self, content: bytes, filename: str, mime_type: str) -> StoredFile:
        """Register a file so that getFile / the file URL can serve it."""
        n = next(self._file_seq)
        file_id = f"BQACAgQAAxkBAAI{n:06d}FakeFileId"
        folder = "documents"
        if mime_type.startswith("image/"):
            folder = "stickers" if filename.endswith(".webp") else "photos"
        ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AgAD{n:06d}",
            file_name=filename,
            mime_type=mime_type,
            content=content,
            file_path=f"{folder}/file_{n}.{ext}",
        )
        self._files[file_id] = stored
        return stored

    # ------------------------------------------------------------------ waiting

    async def wait_idle(
        self,
        quiet: float | None = None,
        timeout: float = 5.0,
        *,
        app: Application[Any, Any, Any, Any, Any, Any] | None = None,
    ) -> None:
        """Wait until the bot has processed everything pushed so far.

        Idle means: every pushed update was confirmed by getUpdates (offset past it) or
        delivered to the webhook, no request other than getUpdates is being processed, and
        none arrived or finished for ``quiet`` seconds.  When ``app`` is given, its update
        queue must also be empty and no update may be in processing (precise, recommended).
        ``quiet`` defaults to 0.15 s, or 0.05 s when ``app`` is given.
        Raises :class:`TimeoutError` after ``timeout`` seconds.
        """
        if quiet is None:
            quiet = 0.15 if app is None else 0.05
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            busy = self._busy_reason(app)
            if busy is None and now - self._last_activity >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"FakeBotApi not idle after {timeout}s: {busy or 'activity too recent'}"
                )
            await asyncio.sleep(0.01)

    def _busy_reason(self, app: Application[Any, Any, Any, Any, Any, Any] | None) -> str | None:
        if self._queue:
            ids = [u["update_id"] for u in self._queue]
            return f"update(s) {ids} not fetched by getUpdates nor delivered to a webhook"
        if self._inflight:
            return f"{self._inflight} request(s) still being processed"
        if app is not None:
            if app.update_queue.qsize():
                return f"{app.update_queue.qsize()} update(s) in the application's queue"
            if app.update_processor.current_concurrent_updates:
                return "the application is processing an update"
        return None

    # ------------------------------------------------------------------ webhook

    async def post_webhook(
        self, url: str, update: JSONDict, secret_token: str | None = None
    ) -> int:
        """POST one update to a (loopback) webhook URL the way Telegram does; HTTP status."""
        if not is_loopback_url(url):
            raise ValueError(f"FakeBotApi only posts to loopback URLs, not {url!r}")
        if self._session is None:
            raise RuntimeError("FakeBotApi is not started")
        if "update_id" not in update:
            update = {**update, "update_id": next(self._update_ids)}
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        self._inflight += 1
        try:
            async with self._session.post(
                url, data=json.dumps(update).encode(), headers=headers
            ) as resp:
                await resp.read()
                return resp.status
        finally:
            self._inflight -= 1
            self._last_activity = time.monotonic()

    async def _webhook_worker(self) -> None:
        backoff = 0.0
        while not self._closing.is_set():
            changed = self._changed
            url = self.webhook_url
            if url and self._queue and is_loopback_url(url):
                update = self._queue[0]
                if _update_type(update) not in self._allowed_updates:
                    self._queue.pop(0)
                    continue
                status = 0
                with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError, OSError):
                    status = await self.post_webhook(url, update, self._webhook.get("secret"))
                self.webhook_deliveries.append(
                    WebhookDelivery(int(update["update_id"]), url, status, time.monotonic())
                )
                if 200 <= status < 300:
                    if self._queue and self._queue[0] is update:
                        self._queue.pop(0)
                    backoff = 0.0
                    self._last_activity = time.monotonic()
                else:
                    self._webhook["last_error_date"] = int(time.time())
                    self._webhook["last_error_message"] = (
                        f"Wrong response from the webhook: {status}"
                        if status
                        else "Connection refused"
                    )
                    backoff = min(0.5, backoff * 2 or 0.05)
                    await asyncio.sleep(backoff)
                continue
            await changed.wait()

    # ------------------------------------------------------------------ HTTP plumbing

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        file_match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if file_match and request.method == "GET":
            return self._serve_file(file_match.group(1), file_match.group(2))
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)/?", path)
        if match is None:
            return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, raw_method = match.groups()
        method = self._method_names.get(raw_method.lower(), raw_method)
        try:
            params, files = await _read_params(request)
        except ValueError as exc:
            params, files = {}, {}
            parse_error: TelegramApiError | None = TelegramApiError(400, f"Bad Request: {exc}")
        else:
            parse_error = None
        call = Call(
            method=method,
            params=params,
            at=time.monotonic(),
            chat_id=self._chat_id_of(method, params),
            files=files,
            http_method=request.method,
        )
        self.calls.append(call)
        raw = self._raw_answer(call)
        if raw is not None:
            return raw
        polling = method == "getUpdates"
        if not polling:
            self._inflight += 1
            self._last_activity = time.monotonic()
        try:
            if parse_error is not None:
                status, envelope = parse_error.status, parse_error.envelope()
            else:
                status, envelope = await self._process(call, token)
        finally:
            if not polling:
                self._inflight -= 1
                self._last_activity = time.monotonic()
        call.client_gone = request.transport is None or request.transport.is_closing()
        call.status = status
        call.response = envelope
        call.finished_at = time.monotonic()
        return _json_response(status, envelope)

    async def _process(self, call: Call, token: str) -> tuple[int, JSONDict]:
        if self.token is not None and token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        handler = self._handlers.get(call.method)
        if handler is None:
            return 404, {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        try:
            await self._apply_delay(call.method)
            self._apply_fault(call)
            if call.chat_id is not None and call.chat_id in self._blocked:
                raise TelegramApiError(403, "Forbidden: bot was blocked by the user")
            self._check_realism(call)
            if self.rule is not None:
                outcome = self.rule(call.method, call.params)
                if inspect.isawaitable(outcome):
                    outcome = await outcome
                if outcome is not None:
                    return _rule_outcome(outcome)
            result = await handler(call)
        except TelegramApiError as exc:
            return exc.status, exc.envelope()
        except Exception as exc:  # a bug of the fake (or of a rule): make it visible
            self.internal_errors.append(exc)
            return 500, TelegramApiError(500, f"Internal Server Error: {exc!r}").envelope()
        return 200, {"ok": True, "result": result}

    def _check_realism(self, call: Call) -> None:
        """The opt-in behaviours of the module docstring."""
        chat_id = call.chat_id
        if call.method not in ("sendMessage", "sendDocument") or chat_id is None:
            return
        if self.require_start and chat_id > 0 and chat_id not in self._started:
            raise TelegramApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if self.rate_limits is not None:
            wait = self.rate_limits.check(chat_id)
            if wait > 0:
                raise TelegramApiError(429, retry_after=RateLimits.retry_after(wait))

    async def _apply_delay(self, method: str) -> None:
        delays = self._delays.get(method)
        if not delays:
            return
        delay = delays[0]
        if delay.remaining is not None:
            delay.remaining -= 1
            if delay.remaining <= 0:
                delays.pop(0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), delay.seconds)

    def _raw_answer(self, call: Call) -> web.Response | None:
        for fault, body, content_type in self._raw_faults:
            if fault.matches(call.method, call.chat_id):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._raw_faults.remove((fault, body, content_type))
                call.status = fault.status
                call.finished_at = time.monotonic()
                return web.Response(status=fault.status, text=body, content_type=content_type)
        return None

    def _apply_fault(self, call: Call) -> None:
        for fault in self._faults:
            if fault.matches(call.method, call.chat_id):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                raise TelegramApiError(
                    fault.status, fault.description, retry_after=fault.retry_after
                )

    def _chat_id_of(self, method: str, params: JSONDict) -> int | None:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            return chat_id
        if method == "answerCallbackQuery":
            info = self._callbacks.get(str(params.get("callback_query_id")))
            return info.chat_id if info else None
        return None

    def _serve_file(self, token: str, file_path: str) -> web.Response:
        if self.token is not None and token != self.token:
            return _json_response(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        for stored in self._files.values():
            if stored.file_path == file_path:
                return web.Response(body=stored.content, content_type=stored.mime_type)
        return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    # ------------------------------------------------------------------ model helpers

    def _emit(self, update: JSONDict, push: bool) -> JSONDict:
        if push:
            return self.push_update(update)
        return {"update_id": next(self._update_ids), **update}

    def _user(
        self, user_id: int, language_code: str | None, username: str | None, first_name: str
    ) -> JSONDict:
        self._started.add(user_id)  # a user who writes to the bot has started it
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _chat_object(self, chat_id: int, chat_type: str | None) -> JSONDict:
        if chat_type is not None:
            self._chat_types[chat_id] = chat_type
        kind = self._chat_types.get(chat_id)
        if kind is None:
            if chat_id > 0:
                kind = "private"
            elif chat_id <= -1_000_000_000_000:
                kind = "supergroup"
            else:
                kind = "group"
        if kind == "private":
            chat: JSONDict = {"id": chat_id, "type": "private"}
            user = self._users.get(chat_id)
            chat["first_name"] = user["first_name"] if user else "Test"
            if user and "username" in user:
                chat["username"] = user["username"]
            return chat
        return {"id": chat_id, "type": kind, "title": f"Test {kind} {chat_id}"}

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _user_message(
        self,
        user_id: int,
        chat_id: int | None,
        language_code: str | None,
        username: str | None,
        first_name: str,
        chat_type: str | None,
    ) -> JSONDict:
        sender = self._user(user_id, language_code, username, first_name)
        cid = user_id if chat_id is None else chat_id
        msg: JSONDict = {
            "message_id": self._next_message_id(cid),
            "from": sender,
            "chat": self._chat_object(cid, chat_type),
            "date": int(time.time()),
        }
        self._store(msg)
        return msg

    def _store(self, msg: JSONDict) -> None:
        key = (int(msg["chat"]["id"]), int(msg["message_id"]))
        self._messages[key] = msg
        self._touched[key] = next(self._touch_seq)

    def _bot_message(self, chat_id: int, extra: JSONDict) -> JSONDict:
        msg: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat_object(chat_id, None),
            "date": int(time.time()),
            **extra,
        }
        self._store(msg)
        return msg

    def _editable(self, params: JSONDict) -> tuple[tuple[int, int], JSONDict]:
        chat_id = _require_chat_id(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise TelegramApiError(400, "Bad Request: message identifier is not specified")
        msg = self._messages.get((chat_id, message_id))
        if msg is None:
            raise TelegramApiError(400, "Bad Request: message to edit not found")
        if msg.get("from", {}).get("id") != self.bot_user["id"]:
            raise TelegramApiError(400, "Bad Request: message can't be edited")
        return (chat_id, message_id), msg

    # ------------------------------------------------------------------ methods

    async def _true(self, call: Call) -> bool:
        return True

    async def _get_me(self, call: Call) -> JSONDict:
        return dict(self.bot_user)

    async def _get_updates(self, call: Call) -> list[JSONDict]:
        if self.webhook_url:
            raise TelegramApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        params = call.params
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        wait = min(max(float(params.get("timeout") or 0), 0.0), self.max_poll_wait)
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wake an older long poll so that it ends with 409
        deadline = time.monotonic() + wait
        while True:
            changed = self._changed
            if generation != self._poll_generation:
                raise TelegramApiError(409)
            self._drop_unwanted()
            batch = [u for u in self._queue if int(u["update_id"]) >= offset][:limit]
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing.is_set():
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _confirm(self, offset: int) -> None:
        before = len(self._queue)
        if offset < 0:
            self._queue = self._queue[offset:]
        elif offset > 0:
            self._queue = [u for u in self._queue if int(u["update_id"]) >= offset]
        if len(self._queue) != before:
            self._last_activity = time.monotonic()

    def _drop_unwanted(self) -> None:
        kept = [u for u in self._queue if _update_type(u) in self._allowed_updates]
        if len(kept) != len(self._queue):
            self._queue = kept
            self._last_activity = time.monotonic()

    async def _set_webhook(self, call: Call) -> bool:
        params = call.params
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise TelegramApiError(400, "Bad Request: secret token contains unallowed characters")
        if url and urlsplit(url).scheme not in ("http", "https"):
            raise TelegramApiError(400, "Bad Request: bad webhook: invalid webhook URL specified")
        if url and not is_loopback_url(url) and urlsplit(url).scheme != "https":
            raise TelegramApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if params.get("drop_pending_updates"):
            self._queue.clear()
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES
        if url:
            self._webhook = {
                "url": url,
                "secret": None if secret is None else str(secret),
                "max_connections": _int_param(params, "max_connections", 40),
                "ip_address": params.get("ip_address"),
            }
            if not is_loopback_url(url):
                self._webhook["last_error_date"] = int(time.time())
                self._webhook["last_error_message"] = (
                    "FakeBotApi never delivers to non-loopback URLs"
                )
        else:
            self._webhook = {}
        self._notify()
        return True

    async def _delete_webhook(self, call: Call) -> bool:
        if call.params.get("drop_pending_updates"):
            self._queue.clear()
        self._webhook = {}
        self._notify()
        return True

    async def _get_webhook_info(self, call: Call) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook_url:
            info["max_connections"] = self._webhook.get("max_connections", 40)
            if self._webhook.get("ip_address"):
                info["ip_address"] = self._webhook["ip_address"]
            for key in ("last_error_date", "last_error_message"):
                if key in self._webhook:
                    info[key] = self._webhook[key]
            if self._allowed_updates != DEFAULT_UPDATE_TYPES:
                info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    async def _set_my_commands(self, call: Call) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise TelegramApiError(400, 'Bad Request: parameter "commands" is required')
        if len(commands) > 100:
            raise TelegramApiError(400, "Bad Request: too many commands specified")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise TelegramApiError(400, "Bad Request: can't parse BotCommand")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_NAME.fullmatch(name):
                raise TelegramApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise TelegramApiError(400, "Bad Request: command description is empty")
            cleaned.append({"command": name, "description": description})
        lang = _language_code(call.params)
        self._commands[_commands_key(call.params.get("scope"), lang)] = cleaned
        return True

    async def _delete_my_commands(self, call: Call) -> bool:
        lang = _language_code(call.params)
        self._commands.pop(_commands_key(call.params.get("scope"), lang), None)
        return True

    async def _get_my_commands(self, call: Call) -> list[JSONDict]:
        lang = _language_code(call.params)
        return list(self._commands.get(_commands_key(call.params.get("scope"), lang), []))

    async def _send_message(self, call: Call) -> JSONDict:
        params = call.params
        chat_id = _require_chat_id(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise TelegramApiError(400, "Bad Request: message text is empty")
        parse_mode = _parse_mode(params)
        plain = render_markup(text, parse_mode)
        if not plain.strip():
            raise TelegramApiError(400, "Bad Request: message text is empty")
        if _utf16_len(plain) > 4096:
            raise TelegramApiError(400, "Bad Request: message is too long")
        extra: JSONDict = {"text": plain}
        self._add_reply_to(chat_id, params, extra)
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            extra["reply_markup"] = markup
        msg = self._bot_message(chat_id, extra)
        self._raw[(chat_id, msg["message_id"])] = (text, parse_mode)
        return msg

    def _add_reply_to(self, chat_id: int, params: JSONDict, extra: JSONDict) -> None:
        reply = params.get("reply_parameters")
        reply_id: Any = params.get("reply_to_message_id")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            reply_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            chat_id = (
                reply.get("chat_id", chat_id) if isinstance(reply.get("chat_id"), int) else chat_id
            )
        if not isinstance(reply_id, int):
            return
        replied = self._messages.get((chat_id, reply_id))
        if replied is None:
            if not allow_missing:
                raise TelegramApiError(400, "Bad Request: message to be replied not found")
            return
        extra["reply_to_message"] = json.loads(json.dumps(replied))

    async def _edit_message_text(self, call: Call) -> JSONDict | bool:
        params = call.params
        if params.get("inline_message_id"):
            return True
        key, msg = self._editable(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise TelegramApiError(400, "Bad Request: message text is empty")
        if "text" not in msg:
            raise TelegramApiError(400, "Bad Request: there is no text in the message to edit")
        parse_mode = _parse_mode(params)
        plain = render_markup(text, parse_mode)
        if not plain.strip():
            raise TelegramApiError(400, "Bad Request: message text is empty")
        if _utf16_len(plain) > 4096:
            raise TelegramApiError(400, "Bad Request: message is too long")
        markup = _inline_markup(params.get("reply_markup"))
        if (
            plain == msg.get("text")
            and self._raw.get(key, (plain, None)) == (text, parse_mode)
            and markup == msg.get("reply_markup")
        ):
            raise TelegramApiError(400, _NOT_MODIFIED)
        updated = {k: v for k, v in msg.items() if k != "reply_markup"}
        updated["text"] = plain
        updated["edit_date"] = int(time.time())
        if markup is not None:
            updated["reply_markup"] = markup
        self._store(updated)
        self._raw[key] = (text, parse_mode)
        return updated

    async def _edit_message_reply_markup(self, call: Call) -> JSONDict | bool:
        params = call.params
        if params.get("inline_message_id"):
            return True
        _, msg = self._editable(params)
        markup = _inline_markup(params.get("reply_markup"))
        if markup == msg.get("reply_markup") or (
            markup is not None and not markup["inline_keyboard"] and "reply_markup" not in msg
        ):
            raise TelegramApiError(400, _NOT_MODIFIED)
        updated = {k: v for k, v in msg.items() if k != "reply_markup"}
        updated["edit_date"] = int(time.time())
        if markup is not None and markup["inline_keyboard"]:
            updated["reply_markup"] = markup
        self._store(updated)
        return updated

    async def _delete_message(self, call: Call) -> bool:
        chat_id = _require_chat_id(call.params)
        key = (chat_id, _int_param(call.params, "message_id", 0))
        if self._messages.pop(key, None) is None:
            raise TelegramApiError(400, "Bad Request: message to delete not found")
        self._touched.pop(key, None)
        return True

    async def _answer_callback_query(self, call: Call) -> bool:
        info = self._callbacks.get(str(call.params.get("callback_query_id")))
        if info is None or info.answered:
            raise TelegramApiError(400, _QUERY_TOO_OLD)
        if self.callback_ttl is not None and self.clock() - info.at > self.callback_ttl:
            raise TelegramApiError(400, _QUERY_TOO_OLD)
        text = call.params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise TelegramApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        info.answered = True
        return True

    async def _send_document(self, call: Call) -> JSONDict:
        params = call.params
        chat_id = _require_chat_id(params)
        upload = call.files.get("document")
        reference = params.get("document")
        if upload is not None:
            if not upload.content:
                raise TelegramApiError(400, "Bad Request: file must be non-empty")
            stored = self.add_file(
                upload.content, upload.filename or "document", upload.content_type
            )
        elif isinstance(reference, str) and reference in self._files:
            stored = self._files[reference]
        elif isinstance(reference, str) and reference.startswith(("http://", "https://")):
            raise TelegramApiError(400, "Bad Request: failed to get HTTP URL content")
        elif reference:
            raise TelegramApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        else:
            raise TelegramApiError(400, "Bad Request: there is no document in the request")
        extra: JSONDict = {"document": _document_object(stored)}
        caption = params.get("caption")
        parse_mode = _parse_mode(params)
        if isinstance(caption, str) and caption:
            plain = render_markup(caption, parse_mode)
            if _utf16_len(plain) > 1024:
                raise TelegramApiError(400, "Bad Request: message caption is too long")
            extra["caption"] = plain
        self._add_reply_to(chat_id, params, extra)
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            extra["reply_markup"] = markup
        msg = self._bot_message(chat_id, extra)
        if isinstance(caption, str):
            self._raw[(chat_id, msg["message_id"])] = (caption, parse_mode)
        return msg

    async def _send_chat_action(self, call: Call) -> bool:
        _require_chat_id(call.params)
        if call.params.get("action") not in _CHAT_ACTIONS:
            raise TelegramApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _get_file(self, call: Call) -> JSONDict:
        stored = self._files.get(str(call.params.get("file_id")))
        if stored is None:
            raise TelegramApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _set_profile(self, key: str) -> Callable[[Call], Awaitable[bool]]:
        async def handler(call: Call) -> bool:
            lang = _language_code(call.params)
            if key == "menu_button":
                self.profile[(key, str(call.params.get("chat_id", "")))] = call.params.get(key)
            else:
                self.profile[(key, lang)] = call.params.get(key, "")
            return True

        return handler

    def _get_profile(self, key: str) -> Callable[[Call], Awaitable[JSONDict]]:
        async def handler(call: Call) -> JSONDict:
            lang = _language_code(call.params)
            return {key: self.profile.get((key, lang), "")}

        return handler

    async def _get_chat_menu_button(self, call: Call) -> JSONDict:
        stored = self.profile.get(("menu_button", str(call.params.get("chat_id", ""))))
        return stored if isinstance(stored, dict) else {"type": "default"}


# ---------------------------------------------------------------------- running PTB


@contextlib.asynccontextmanager
async def running(
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    mode: Literal["polling", "webhook"] = "polling",
    allowed_updates: Iterable[str] | None = None,
    drop_pending_updates: bool | None = None,
    poll_timeout: float = 10.0,
    webhook_port: int | None = None,
    webhook_path: str = "telegram",
    secret_token: str | None = None,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run a PTB Application the way ``run_polling`` / ``run_webhook`` would, inside the
    test's event loop (those two call ``loop.run_until_complete`` and cannot be used there).

    Order: initialize, post_init, updater.start_polling/start_webhook, start ... then
    updater.stop, stop, post_stop, shutdown, post_shutdown.  In webhook mode PTB's tornado
    server listens on 127.0.0.1:``webhook_port`` (a free port by default) and PTB calls
    setWebhook with ``http://127.0.0.1:PORT/<webhook_path>``; the fake then delivers pushed
    updates there.
    """
    updater = app.updater
    if updater is None:
        raise RuntimeError("the Application was built without an Updater")
    allowed = list(allowed_updates) if allowed_updates is not None else None
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        if mode == "polling":
            await updater.start_polling(
                timeout=int(poll_timeout),
                allowed_updates=allowed,
                drop_pending_updates=drop_pending_updates,
            )
        else:
            port = webhook_port or free_port()
            await updater.start_webhook(
                listen="127.0.0.1",
                port=port,
                url_path=webhook_path,
                webhook_url=f"http://127.0.0.1:{port}/{webhook_path}",
                allowed_updates=allowed,
                drop_pending_updates=drop_pending_updates,
                secret_token=secret_token,
            )
        await app.start()
        yield app
    finally:
        if updater.running:
            await updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


# ---------------------------------------------------------------------- helpers


def _json_response(status: int, body: JSONDict) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type="application/json",
    )


def _rule_outcome(outcome: JSONDict | tuple[int, JSONDict]) -> tuple[int, JSONDict]:
    if isinstance(outcome, tuple):
        return outcome
    if outcome.get("ok") is False:
        return int(outcome.get("error_code", 400)), outcome
    return 200, outcome


def _decode_value(key: str, value: str) -> Any:
    if key in _STRING_KEYS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_params(request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
    params: JSONDict = {k: _decode_value(k, v) for k, v in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if not request.body_exists:
        return params, files
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise ValueError("can't parse JSON encoded request parameters") from exc
        if not isinstance(body, dict):
            raise ValueError("can't parse JSON encoded request parameters")
        for key, value in body.items():
            if isinstance(value, str) and (
                key in _JSON_KEYS or (key not in _STRING_KEYS and _INTEGER.fullmatch(value))
            ):
                value = _decode_value(key, value)
            params[key] = value
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(
                    filename=value.filename,
                    content=value.file.read(),
                    content_type=value.content_type,
                )
            elif isinstance(value, str):
                params[key] = _decode_value(key, value)
    else:
        await request.read()
    return params, files


def _int_param(params: JSONDict, key: str, default: int) -> int:
    value = params.get(key)
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise TelegramApiError(400, f"Bad Request: wrong parameter {key}") from exc


def _require_chat_id(params: JSONDict) -> int:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise TelegramApiError(400, "Bad Request: chat_id is empty")
    if isinstance(chat_id, bool) or not isinstance(chat_id, int):
        raise TelegramApiError(400, "Bad Request: chat not found")
    return chat_id


def _language_code(params: JSONDict) -> str:
    lang = params.get("language_code") or ""
    if lang and not re.fullmatch(r"[a-z]{2}", str(lang)):
        raise TelegramApiError(400, "Bad Request: invalid language code specified")
    return str(lang)


def _commands_key(scope: Any, language_code: str) -> tuple[str, str]:
    if not isinstance(scope, dict):
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code


def _parse_mode(params: JSONDict) -> str | None:
    mode = params.get("parse_mode")
    return str(mode) if mode else None


def _update_type(update: JSONDict) -> str:
    return next((k for k in update if k != "update_id"), "")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _command_entities(text: str) -> list[JSONDict]:
    match = _BOT_COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group(0))}]


def _document_object(stored: StoredFile) -> JSONDict:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": stored.file_name,
        "mime_type": stored.mime_type,
        "file_size": len(stored.content),
    }


def _inline_markup(markup: Any) -> JSONDict | None:
    """Validate an inline keyboard like Telegram; returns what the Message echoes back.

    Reply keyboards / ForceReply / ReplyKeyboardRemove are accepted but, as with Telegram,
    not echoed in the returned Message (PTB only parses inline keyboards there).
    """
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise TelegramApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise TelegramApiError(400, "Bad Request: can't parse inline keyboard button")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise TelegramApiError(400, "Bad Request: can't parse inline keyboard button")
            if "callback_data" in button:
                data = str(button["callback_data"]).encode()
                if not 1 <= len(data) <= 64:
                    raise TelegramApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            elif "url" in button:
                url = str(button["url"])
                parts = urlsplit(url)
                valid = parts.scheme == "tg" or (parts.scheme in ("http", "https") and parts.netloc)
                if not valid:
                    raise TelegramApiError(
                        400,
                        f"Bad Request: inline keyboard button URL '{url}' is invalid: "
                        "Wrong HTTP URL",
                    )
            elif len(button) == 1:
                raise TelegramApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
    echoed: JSONDict = json.loads(json.dumps(markup))
    return echoed


# ---------------------------------------------------------------------- markup rendering


def render_markup(text: str, parse_mode: str | None) -> str:
    """The text a user sees for ``text`` sent with ``parse_mode``; raises Telegram's
    ``400 Bad Request: can't parse entities: ...`` on malformed markup."""
    if parse_mode is None:
        return text
    mode = parse_mode.lower()
    if mode == "html":
        return _render_html(text)
    if mode == "markdownv2":
        return _render_markdown_v2(text)
    if mode == "markdown":
        return _render_markdown(text)
    raise TelegramApiError(400, f'Bad Request: unsupported parse_mode "{parse_mode}"')


def _parse_error(message: str) -> TelegramApiError:
    return TelegramApiError(400, f"Bad Request: can't parse entities: {message}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


_HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "code", "pre", "blockquote", "tg-emoji", "tg-time",
    }
)  # fmt: skip
_HTML_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _render_html(text: str) -> str:
    """Telegram's HTML subset (a port of tdlib's parse_html checks)."""
    out: list[str] = []
    stack: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            match = _HTML_ENTITY.match(text, i)
            decoded = _decode_entity(match) if match else None
            if match and decoded is not None:
                out.append(decoded)
                i = match.end()
            else:
                out.append(char)
                i += 1
            continue
        if char != "<":
            out.append(char)
            i += 1
            continue
        start = i
        if i + 1 < n and text[i + 1] == "/":
            end = text.find(">", i)
            if end == -1:
                raise _parse_error(f"Unclosed end tag at byte offset {_byte_offset(text, start)}")
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(text, start)}")
            if name and name != stack[-1]:
                raise _parse_error(
                    f"Unmatched end tag at byte offset {_byte_offset(text, start)}, "
                    f'expected "</{stack[-1]}>", found "</{name}>"'
                )
            stack.pop()
            i = end + 1
            continue
        j = i + 1
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise _parse_error(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, start)}'
            )
        quote: str | None = None
        while j < n:
            current = text[j]
            if quote is not None:
                if current == quote:
                    quote = None
            elif current in "\"'":
                quote = current
            elif current == ">":
                break
            j += 1
        if j >= n:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
        _check_attributes(name, text[i + 1 + len(name) : j], _byte_offset(text, start))
        stack.append(name)
        i = j + 1
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


_HREF = re.compile(r"""\bhref\s*=\s*(?:"[^"]+"|'[^']+'|[^\s"'>]+)""", re.IGNORECASE)
_SPOILER = re.compile(r"""\bclass\s*=\s*(?:"tg-spoiler"|'tg-spoiler'|tg-spoiler\b)""")


def _check_attributes(name: str, attributes: str, offset: int) -> None:
    """The attributes tdlib requires: a link needs a target, a span must be a spoiler."""
    if name == "a" and not _HREF.search(attributes):
        raise _parse_error(f'Tag "a" must have attribute "href" at byte offset {offset}')
    if name == "span" and not _SPOILER.search(attributes):
        raise _parse_error(
            f'Tag "span" must have attribute "class" set to "tg-spoiler" at byte offset {offset}'
        )


def _decode_entity(match: re.Match[str]) -> str | None:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED_ENTITIES[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
        return chr(code)
    return None


_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "_": "Italic",
    "__": "Underline",
    "*": "Bold",
    "~": "Strikethrough",
    "||": "Spoiler",
    "[": "TextUrl",
    "`": "Code",
    "```": "Pre",
}


def _render_markdown_v2(text: str) -> str:
    """Telegram's MarkdownV2 (simplified port of tdlib's parse_markdown_v2 checks)."""
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            i += 2
            continue
        top = stack[-1][0] if stack else None
        if top in ("`", "```"):
            if top == "```" and text.startswith("```", i):
                stack.pop()
                i += 3
            elif top == "`" and char == "`":
                stack.pop()
                i += 1
            else:
                out.append(char)
                i += 1
            continue
        if char not in _MDV2_RESERVED:
            out.append(char)
            i += 1
            continue
        # end of the innermost entity?
        if top == "__" and text.startswith("__", i):
            stack.pop()
            i += 2
            continue
        if top == "||" and text.startswith("||", i):
            stack.pop()
            i += 2
            continue
        if top in ("_", "*", "~") and char == top:
            stack.pop()
            i += 1
            continue
        if top == "[" and char == "]":
            stack.pop()
            i += 1
            if i < n and text[i] == "(":
                close = i + 1
                while close < n and text[close] != ")":
                    close += 2 if text[close] == "\\" else 1
                if close >= n:
                    raise _parse_error(
                        f"Can't find end of a url at byte offset {_byte_offset(text, i)}"
                    )
                i = close + 1
            continue
        # start of an entity
        offset = _byte_offset(text, i)
        if text.startswith("```", i):
            stack.append(("```", offset))
            i += 3
            newline = text.find("\n", i)
            if newline != -1 and not any(c.isspace() for c in text[i:newline]):
                i = newline + 1  # language of the pre block
            continue
        if text.startswith("__", i):
            stack.append(("__", offset))
            i += 2
            continue
        if text.startswith("||", i):
            stack.append(("||", offset))
            i += 2
            continue
        if char in "_*~[`":
            stack.append((char, offset))
            i += 1
            continue
        if char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # blockquote marker
            continue
        raise _parse_error(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )
    if stack:
        kind, offset = stack[-1]
        raise _parse_error(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {offset}")
    return "".join(out)


def _render_markdown(text: str) -> str:
    """Telegram's legacy Markdown."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            i += 1
            continue
        offset = _byte_offset(text, i)
        missing = _parse_error(f"Can't find end of the entity starting at byte offset {offset}")
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                raise missing
            out.append(text[i + 3 : end])
            i = end + 3
        elif char == "[":
            end = text.find("]", i + 1)
            if end == -1:
                raise missing
            out.append(text[i + 1 : end])
            i = end + 1
            if i < n and text[i] == "(":
                close = text.find(")", i)
                if close == -1:
                    raise missing
                i = close + 1
        else:
            end = text.find(char, i + 1)
            if end == -1:
                raise missing
            out.append(text[i + 1 : end])
            i = end + 1
    return "".join(out)
