"""Tests of the fake Telegram Bot API itself, with a minimal real PTB Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from tests.fakes.bot_api import (
    BOT_USERNAME,
    DEFAULT_TOKEN,
    FakeBotApi,
    error_envelope,
    running,
)
from tests.fakes.conversation import Chat
from tests.fakes.telegram_limits import RateLimits

App = Application[Any, Any, Any, Any, Any, Any]
USER = 1001


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it PTB 22 emits a PTBDeprecationWarning whenever RetryAfter is built (it reads
    # its own `retry_after`), which -W error turns into an exception.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(max_poll_wait=0.5) as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as b:
        yield b


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Oui", callback_data="yes"),
                InlineKeyboardButton("Non", callback_data="no"),
            ]
        ]
    )
    await update.effective_message.reply_text(
        "<b>Bienvenue</b> !", parse_mode="HTML", reply_markup=keyboard
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("ok")
    await query.edit_message_text(f"choisi: {query.data}")


def build_app(api: FakeBotApi) -> App:
    app = api.application_builder().build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(choose))
    return app


@pytest.mark.asyncio
async def test_conversation_with_real_application(api: FakeBotApi) -> None:
    app = build_app(api)
    async with running(app):
        chat = Chat(api, user_id=USER, language_code="fr", app=app)

        replies = await chat.send("/start")
        assert [r.text for r in replies] == ["Bienvenue !"]
        assert replies[0].raw_text == "<b>Bienvenue</b> !"
        assert chat.last.buttons == [("Oui", "yes"), ("Non", "no")]
        assert chat.last.rows == [[("Oui", "yes"), ("Non", "no")]]

        replies = await chat.click("oui")  # case-insensitive prefix
        assert len(replies) == 1
        assert replies[0].edited and replies[0].text == "choisi: yes"
        assert replies[0].message_id == chat.history[0].message_id
        assert replies[0].buttons == []  # editMessageText without reply_markup drops it
        assert [c.params.get("text") for c in chat.answered_callbacks] == ["ok"]

        replies = await chat.send("bonjour")
        assert [r.text for r in replies] == ["echo: bonjour"]
        assert chat.last.text == "echo: bonjour"

        # A stale click: the message no longer has a keyboard, the handler still runs.
        replies = await chat.click_data("no", message_id=chat.history[0].message_id)
        assert [r.text for r in replies] == ["choisi: no"]

        # Other users are other chats.
        other = Chat(api, user_id=2002, app=app)
        assert [r.text for r in await other.send("salut")] == ["echo: salut"]
        assert [r.text for r in chat.history][-1] == "choisi: no"

    methods = [c.method for c in api.calls]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    last_poll = api.calls_to("getUpdates")[-1]
    assert last_poll.params["timeout"] == 0  # PTB's shutdown confirmation call
    assert api.pending_updates == []
    assert api.failures() == []


@pytest.mark.asyncio
async def test_bot_command_entity_and_group_chat(api: FakeBotApi) -> None:
    update = api.message(USER, f"/start@{BOT_USERNAME} deep", chat_id=-42)
    message = update["message"]
    assert message["chat"] == {"id": -42, "type": "group", "title": "Test group -42"}
    assert message["entities"] == [
        {"type": "bot_command", "offset": 0, "length": len(f"/start@{BOT_USERNAME}")}
    ]
    assert message["from"]["language_code"] == "fr"
    assert "entities" not in api.message(USER, "pas de commande", push=False)["message"]
    assert api.message(USER, "x", chat_id=-1001234567890)["message"]["chat"]["type"] == "supergroup"


@pytest.mark.asyncio
async def test_retry_after_429(api: FakeBotApi, bot: Bot) -> None:
    api.fail("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "hello")
    assert info.value.retry_after == dtm.timedelta(seconds=7)
    failed = api.calls_to("sendMessage")[-1]
    assert failed.status == 429
    assert failed.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    message = await bot.send_message(USER, "hello")  # times=1: the next call succeeds
    assert message.text == "hello" and message.chat.type == "private"
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]
    assert len(api.sent(USER)) == 1


@pytest.mark.asyncio
async def test_retry_after_without_ptb_timedelta_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PTB_TIMEDELTA")
    with pytest.warns(PTBDeprecationWarning):
        RetryAfter(3)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (403, Forbidden, "Forbidden: bot was blocked by the user"),
        (400, BadRequest, "Chat not found"),
        (500, NetworkError, "Internal Server Error"),
        (502, NetworkError, "Bad Gateway"),
    ],
)
async def test_errors_map_to_ptb_exceptions(
    api: FakeBotApi, bot: Bot, status: int, error: type[Exception], message: str
) -> None:
    api.fail("sendMessage", status=status, chat_id=USER)
    await bot.send_message(2002, "other chat is not affected")
    with pytest.raises(error) as info:
        await bot.send_message(USER, "hello")
    assert str(info.value) == message
    assert api.failures()[0].status == status


@pytest.mark.asyncio
async def test_block_rule_and_unknown_method(api: FakeBotApi, bot: Bot) -> None:
    api.block(USER)
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "hello")
    api.unblock(USER)

    def rule(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if method == "sendMessage" and "interdit" in params.get("text", ""):
            return error_envelope(400, "Bad Request: custom rule")
        return None

    api.rule = rule
    with pytest.raises(BadRequest, match="Custom rule"):
        await bot.send_message(USER, "mot interdit")
    await bot.send_message(USER, "autorisé")

    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("definitelyNotAMethod")
    assert api.calls[-1].response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


@pytest.mark.asyncio
async def test_set_my_commands_per_language(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Démarrer"), BotCommand("aide", "Aide")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands(
        [BotCommand("menu", "Menu")], scope=BotCommandScopeAllPrivateChats(), language_code="fr"
    )
    assert api.commands() == [("start", "Démarrer"), ("aide", "Aide")]
    assert api.commands("en") == [("start", "Start")]
    assert api.commands("fr") is None
    assert api.commands("fr", scope={"type": "all_private_chats"}) == [("menu", "Menu")]
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["start"]
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()
    assert api.command_sets[("default", "")] == [("start", "Démarrer"), ("aide", "Aide")]
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


@pytest.mark.asyncio
async def test_long_polling_offset_limit_and_wakeup(api: FakeBotApi, bot: Bot) -> None:
    first = api.message(USER, "un")["update_id"]
    api.message(USER, "deux")
    updates = await bot.get_updates(offset=0, limit=1, timeout=5)
    assert [u.update_id for u in updates] == [first]
    updates = await bot.get_updates(offset=first, timeout=5)  # not confirmed yet: redelivered
    assert [u.message.text for u in updates if u.message] == ["un", "deux"]
    updates = await bot.get_updates(offset=first + 1, timeout=5)
    assert [u.message.text for u in updates if u.message] == ["deux"]
    assert len(api.pending_updates) == 1

    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(offset=first + 2, timeout=30))
    await asyncio.sleep(0.05)
    assert not poll.done()
    api.message(USER, "trois")
    updates = await poll
    assert [u.message.text for u in updates if u.message] == ["trois"]
    assert time.monotonic() - started < 10  # woken by the message, not the 30 s timeout

    api.max_poll_wait = 0.2
    started = time.monotonic()
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=30) == ()
    assert 0.15 < time.monotonic() - started < 10  # capped by max_poll_wait, not 30 s
    assert api.pending_updates == []

    # allowed_updates persists and filters.
    api.callback(USER, "x", message_id=1)
    api.message(USER, "quatre")
    updates = await bot.get_updates(allowed_updates=["message"], timeout=0)
    assert [u.message.text for u in updates if u.message] == ["quatre"]


@pytest.mark.asyncio
async def test_send_document_edit_and_markup_errors(api: FakeBotApi, bot: Bot) -> None:
    message = await bot.send_document(
        USER, document=b"%PDF-1.4 rapport", filename="rapport.pdf", caption="Votre <i>rapport</i>",
        parse_mode="HTML",
    )  # fmt: skip
    assert message.document is not None
    assert message.document.file_name == "rapport.pdf"
    assert message.document.mime_type == "application/pdf"
    assert message.document.file_size == len(b"%PDF-1.4 rapport")
    assert message.caption == "Votre rapport"
    assert api.documents(USER) == [("rapport.pdf", b"%PDF-1.4 rapport")]
    file = await message.document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 rapport"

    sent = await bot.send_message(USER, "a", reply_markup=InlineKeyboardMarkup.from_button(
        InlineKeyboardButton("x", callback_data="x")))  # fmt: skip
    assert sent.message_id == message.message_id + 1
    assert sent.reply_markup is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("a", chat_id=USER, message_id=sent.message_id,
                                    reply_markup=sent.reply_markup)  # fmt: skip
    edited = await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id)
    assert isinstance(edited, object) and api.message_state(USER, sent.message_id) is not None
    assert "reply_markup" not in (api.message_state(USER, sent.message_id) or {})
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("b", chat_id=USER, message_id=999)
    with pytest.raises(BadRequest, match='unsupported start tag "br"'):
        await bot.send_message(USER, "ligne<br>ligne", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, "1 < 2", parse_mode="HTML")
    with pytest.raises(BadRequest, match="reserved"):
        await bot.send_message(USER, "Fin.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "x", reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("x", callback_data="d" * 65)))  # fmt: skip
    assert (await bot.send_message(USER, "Tom &amp; Jerry &nbsp;", parse_mode="HTML")).text == (
        "Tom & Jerry &nbsp;"
    )
    assert await bot.send_chat_action(USER, "typing")


@pytest.mark.asyncio
async def test_delay_gives_timed_out(api: FakeBotApi) -> None:
    api.delay("sendMessage", 0.2)
    request = HTTPXRequest(read_timeout=0.05)
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url, request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "lent")
        await bot.send_message(USER, "rapide")
    await api.wait_idle(quiet=0.05)
    # The slow call was still processed by "Telegram", as in real life.
    assert api.sent_texts(USER) == ["lent", "rapide"]  # in arrival order
    assert [c.client_gone for c in api.calls_to("sendMessage")] == [True, False]


@pytest.mark.asyncio
async def test_wait_idle_times_out_without_a_bot(api: FakeBotApi) -> None:
    api.message(USER, "personne n'écoute")
    with pytest.raises(TimeoutError, match="not fetched"):
        await api.wait_idle(timeout=0.1)


@pytest.mark.asyncio
async def test_webhook_mode(api: FakeBotApi, bot: Bot) -> None:
    app = build_app(api)
    async with running(app, mode="webhook", secret_token="s3cret"):
        assert api.webhook_url.startswith("http://127.0.0.1:")
        with pytest.raises(Conflict):
            await bot.get_updates()
        chat = Chat(api, user_id=USER, app=app)
        assert [r.text for r in await chat.send("/start")] == ["Bienvenue !"]
        assert [r.text for r in await chat.click("Non")] == ["choisi: no"]
        bad = api.message(USER, "intrus", push=False)
        assert await api.post_webhook(api.webhook_url, bad, secret_token="wrong") == 403
        assert await api.post_webhook(api.webhook_url, bad, secret_token="s3cret") == 200
        await chat.wait()
        assert chat.last.text == "echo: intrus"
    assert all(d.status == 200 for d in api.webhook_deliveries)
    assert api.calls_to("setWebhook")[0].params["secret_token"] == "s3cret"


@pytest.mark.asyncio
async def test_media_updates_parse_in_ptb(api: FakeBotApi, bot: Bot) -> None:
    api.sticker(USER, emoji="🔥")
    api.photo(USER, caption="une photo")
    api.edited_message(USER, "corrigé")
    api.document(USER, "journal.txt", b"contenu", mime_type="text/plain")
    sticker, photo, edited, document = await bot.get_updates(timeout=0)
    assert sticker.message is not None and sticker.message.sticker is not None
    assert sticker.message.sticker.emoji == "🔥"
    assert photo.message is not None and len(photo.message.photo) == 3
    assert photo.message.caption == "une photo"
    assert edited.edited_message is not None and edited.edited_message.text == "corrigé"
    assert edited.edited_message.message_id == photo.message.message_id
    assert document.message is not None and document.message.document is not None
    file = await bot.get_file(document.message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"contenu"


@pytest.mark.asyncio
async def test_raw_http_get_json_and_form(api: FakeBotApi) -> None:
    base = f"{api.base_url}{DEFAULT_TOKEN}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/getMe") as resp:
            assert resp.status == 200
            body = await resp.json()
            assert body["ok"] is True and body["result"]["username"] == BOT_USERNAME
        async with session.post(
            f"{base}/sendMessage", json={"chat_id": "-5", "text": "123", "reply_markup": "{}"}
        ) as resp:
            body = await resp.json()
            assert body["result"]["chat"] == {"id": -5, "type": "group", "title": "Test group -5"}
            assert body["result"]["text"] == "123"
        async with session.post(f"{base}/SENDMESSAGE", data={"chat_id": "7", "text": "1"}) as resp:
            assert (await resp.json())["result"]["chat"]["type"] == "private"
        async with session.get(f"http://127.0.0.1:{api.port}/nothing") as resp:
            assert resp.status == 404
    assert [c.http_method for c in api.calls] == ["GET", "POST", "POST"]
    assert api.sent_texts() == ["123", "1"]


# ------------------------------------------------------------------ opt-in realism


@pytest.mark.asyncio
async def test_links_need_a_target_and_spans_must_be_spoilers(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(USER, '<a href="https://cnil.fr">CNIL</a>', parse_mode="HTML")
    await bot.send_message(USER, '<span class="tg-spoiler">x</span>', parse_mode="HTML")
    for refused in ("<a>CNIL</a>", '<a title="x">CNIL</a>', "<span>x</span>"):
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.send_message(USER, refused, parse_mode="HTML")


@pytest.mark.asyncio
async def test_rate_limits_answer_429_with_retry_after() -> None:
    frozen = [100.0]  # the same instant for every request, however slow the machine
    limits = RateLimits(clock=lambda: frozen[0])
    async with FakeBotApi(rate_limits=limits) as api, Bot(
        DEFAULT_TOKEN, base_url=api.base_url
    ) as bot:
        for text in ("one", "two", "three"):  # a short burst in one chat passes...
            await bot.send_message(USER, text)
        with pytest.raises(RetryAfter) as info:  # ...then one a second on average
            await bot.send_message(USER, "four")
        assert info.value.retry_after == dtm.timedelta(seconds=3)
        for chat in range(2001, 2028):  # 30 messages in this second with the first three
            await bot.send_message(chat, "hello")
        with pytest.raises(RetryAfter):  # the 31st, to a fresh chat
            await bot.send_message(2100, "hello")
        frozen[0] += 1.0
        await bot.send_message(2100, "hello")  # a second later, for the bot
        with pytest.raises(RetryAfter):
            await bot.send_message(USER, "four")  # not yet for that chat
        frozen[0] += 2.0
        await bot.send_message(USER, "four")
        assert [c.status for c in api.calls_to("sendMessage", chat_id=USER)] == [
            200, 200, 200, 429, 429, 200,
        ]
    group = RateLimits()
    assert all(group.check(-500, 0.0) == 0 for _ in range(20))
    wait = group.check(-500, 1.0)
    assert 58 < wait <= 59 and RateLimits.retry_after(wait) == 59  # 20 a minute in a group
    assert group.check(-500, 60.0) == 0


@pytest.mark.asyncio
async def test_a_callback_answered_too_late_is_too_old() -> None:
    async with FakeBotApi(callback_ttl=15.0) as api, Bot(
        DEFAULT_TOKEN, base_url=api.base_url
    ) as bot:
        now = [1000.0]
        api.clock = lambda: now[0]
        fresh = api.callback(USER, "x", message_id=1)["callback_query"]["id"]
        late = api.callback(USER, "y", message_id=1)["callback_query"]["id"]
        now[0] += 15.0
        assert await bot.answer_callback_query(fresh)
        now[0] += 0.5
        with pytest.raises(BadRequest, match="too old"):
            await bot.answer_callback_query(late)


@pytest.mark.asyncio
async def test_a_user_who_never_started_the_bot_cannot_be_written_to() -> None:
    async with FakeBotApi(require_start=True) as api, Bot(
        DEFAULT_TOKEN, base_url=api.base_url
    ) as bot:
        with pytest.raises(Forbidden, match="can't initiate conversation"):
            await bot.send_message(USER, "hello")
        api.message(USER, "/start")  # the user writes first
        await bot.send_message(USER, "hello")
        api.started(2002)  # e.g. a subscriber from an earlier run
        await bot.send_message(2002, "hello")
