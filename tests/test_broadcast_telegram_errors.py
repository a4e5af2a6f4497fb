"""How the production broadcast sender (bot/broadcast/httpsender.py) reads Telegram's
answers, over HTTP against the fake Bot API, with the delivery loop on virtual time.

Which answers unsubscribe a member for good, which ones only delay, and when a broadcast
pauses itself rather than unsubscribe everyone or fail for everyone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.broadcast.httpsender import BotApiSender
from bot.broadcast.limiter import RateLimiter
from bot.broadcast.queue import FAILED, PAUSED, PENDING, SENT, UNSUBSCRIBED, BroadcastQueue
from bot.broadcast.reports import progress_text
from bot.broadcast.sender import (
    Broadcaster,
    Gone,
    Progress,
    RetryLater,
    TextRefused,
    Transient,
)
from bot.core.content import Content
from bot.storage.database import Database
from bot.storage.stores import SqliteSubscriptions
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi, error_envelope
from tests.test_broadcast import (  # noqa: F401  (api and vtime are fixtures)
    ALERT,
    VirtualTime,
    api,
    deliveries,
    subscribe,
    subscribed,
    vtime,
)

PROXY_PAGE = "<html><body><h1>403 Forbidden</h1>Request blocked by policy.</body></html>"


@pytest.fixture
async def sender(api: FakeBotApi, content: Content) -> AsyncIterator[BotApiSender]:  # noqa: F811
    """The sender `vigie run` and `vigie broadcast` use, pointed at the fake."""
    production = BotApiSender(f"{api.base_url}{DEFAULT_TOKEN}", content, "urgent", timeout=5.0)
    yield production
    await production.aclose()


async def broadcast(
    db: Database,
    sender: BotApiSender,
    clock: VirtualTime,
    chats: list[int],
    text: str = ALERT,
    **options: Any,
) -> tuple[int, Broadcaster, list[Progress]]:
    """Queue `text` for `chats` and run the delivery loop to its end; the progress reports
    are what the admin's progress message shows."""
    await subscribe(db, chats)
    queue = BroadcastQueue(db)
    bid = await queue.create(text, "urgent")
    loop = Broadcaster(
        queue,
        sender,
        RateLimiter(1000, clock=clock),
        unsubscribe=SqliteSubscriptions(db).remove_gone,
        clock=clock,
        **options,
    )
    reports: list[Progress] = []

    async def report(progress: Progress) -> None:
        reports.append(progress)

    await asyncio.wait_for(loop.run(bid, report), 20)
    return bid, loop, reports


# ---------------------------------------------------------------------------- B1, B2


@pytest.mark.parametrize("description", [
    "Bad Request: chat not found",
    "Bad Request: user is deactivated",
])
async def test_a_chat_telegram_no_longer_knows_is_unsubscribed_and_forgotten(
    db: Database, api: FakeBotApi, sender: BotApiSender, vtime: VirtualTime,  # noqa: F811
    description: str,
) -> None:
    api.fail("sendMessage", status=400, description=description, chat_id=102, times=None)
    with pytest.raises(Gone, match=description):
        await sender.send(102, ALERT, "fr")

    bid, _, _ = await broadcast(db, sender, vtime, [101, 102, 103])

    rows = await deliveries(db, bid)
    assert rows[102] == (UNSUBSCRIBED, 1, description)
    assert rows[101][0] == rows[103][0] == SENT
    assert await subscribed(db) == {101, 103}


async def test_telegrams_retry_after_is_waited_for_before_the_next_attempt(
    db: Database, api: FakeBotApi, sender: BotApiSender, vtime: VirtualTime  # noqa: F811
) -> None:
    attempts: dict[int, list[float]] = {}
    refused: set[int] = set()

    def telegram(method: str, params: dict[str, Any]) -> Any:
        chat = int(params["chat_id"])
        attempts.setdefault(chat, []).append(vtime())
        if chat == 202 and chat not in refused:
            refused.add(chat)
            return error_envelope(429, retry_after=7)
        return None

    api.rule = telegram
    with pytest.raises(RetryLater) as first:
        await sender.send(202, ALERT, "fr")
    assert first.value.seconds == 7
    refused.clear()
    attempts.clear()

    bid, _, _ = await broadcast(db, sender, vtime, [201, 202, 203])

    refused_at, retried_at = attempts[202]
    assert retried_at - refused_at >= 7.0
    rows = await deliveries(db, bid)
    assert rows[202] == (SENT, 1, None)  # a 429 is not an attempt, and never a failure


# ---------------------------------------------------------------------------- L2


async def test_a_proxys_403_page_unsubscribes_no_one(
    db: Database, api: FakeBotApi, sender: BotApiSender, vtime: VirtualTime  # noqa: F811
) -> None:
    api.answer_raw("sendMessage", status=403, body=PROXY_PAGE, times=None)
    with pytest.raises(Transient):
        await sender.send(301, ALERT, "fr")

    chats = list(range(301, 306))
    bid, _, _ = await broadcast(db, sender, vtime, chats)

    assert await subscribed(db) == set(chats)
    rows = await deliveries(db, bid)
    assert {status for status, _, _ in rows.values()} == {FAILED}  # retried, then given up
    assert all(attempts == 5 for _, attempts, _ in rows.values())


async def test_a_broadcast_whose_first_twenty_chats_are_all_gone_pauses_and_keeps_them(
    db: Database, api: FakeBotApi, sender: BotApiSender, vtime: VirtualTime  # noqa: F811
) -> None:
    # Telegram's own 403 for everyone: e.g. the token of another bot, that nobody started.
    api.fail(
        "sendMessage", status=403, description="Forbidden: bot can't initiate conversation "
        "with a user", times=None,
    )
    chats = list(range(401, 451))

    bid, loop, reports = await broadcast(db, sender, vtime, chats)

    assert await subscribed(db) == set(chats)  # nobody unsubscribed
    info = await BroadcastQueue(db).info(bid)
    assert info is not None and info.status == PAUSED
    sends = len(api.calls_to("sendMessage"))
    assert 20 <= sends <= 20 + loop.concurrency  # it stopped at the 20th, give or take those
    assert set(info.counts) == {PENDING}  # in flight; all will be asked again on resume
    final = progress_text(reports[-1], final=True)
    assert "les 20 premiers destinataires" in final and "aucun abonnement" in final

    # The admin checked, and resumes: now Telegram is believed.
    api.clear_faults()
    api.block(401)
    queue = BroadcastQueue(db)
    await queue.set_status(bid, "running")
    resumed = Broadcaster(
        queue, sender, RateLimiter(1000, clock=vtime),
        unsubscribe=SqliteSubscriptions(db).remove_gone, clock=vtime, gone_quorum=0,
    )
    final_info = await asyncio.wait_for(resumed.run(bid), 20)
    assert final_info is not None and final_info.counts == {SENT: 49, UNSUBSCRIBED: 1}
    assert await subscribed(db) == set(chats) - {401}


async def test_a_small_broadcast_where_every_chat_is_gone_pauses_too(
    db: Database, api: FakeBotApi, sender: BotApiSender, vtime: VirtualTime  # noqa: F811
) -> None:
    for chat in (501, 502, 503):
        api.block(chat)
    bid, _, _ = await broadcast(db, sender, vtime, [501, 502, 503])
    info = await BroadcastQueue(db).info(bid)
    assert info is not None and info.status == PAUSED and info.counts == {PENDING: 3}
    assert await subscribed(db) == {501, 502, 503}


async def test_chats_gone_before_the_first_accepted_message_are_unsubscribed_after_it(
    db: Database, api: FakeBotApi, sender: BotApiSender, vtime: VirtualTime  # noqa: F811
) -> None:
    chats = list(range(601, 641))
    gone = set(chats[:10])
    for chat in gone:
        api.block(chat)
    bid, _, _ = await broadcast(db, sender, vtime, chats)
    info = await BroadcastQueue(db).info(bid)
    assert info is not None and info.counts == {SENT: 30, UNSUBSCRIBED: 10}
    assert await subscribed(db) == set(chats) - gone


# ---------------------------------------------------------------------------- M5


async def test_an_alert_refused_as_html_is_delivered_once_as_plain_text(
    db: Database, api: FakeBotApi, sender: BotApiSender, vtime: VirtualTime  # noqa: F811
) -> None:
    def telegram(method: str, params: dict[str, Any]) -> Any:
        if params.get("parse_mode") == "HTML":
            return error_envelope(400, "Bad Request: can't parse entities: unsupported tag")
        return None

    api.rule = telegram
    bid, _, _ = await broadcast(db, sender, vtime, [701, 702])

    rows = await deliveries(db, bid)
    assert {status for status, _, _ in rows.values()} == {SENT}
    plain = [c for c in api.calls_to("sendMessage") if c.ok]
    assert len(plain) == 2
    for call in plain:
        assert "parse_mode" not in call.params
        assert call.params["text"].endswith("Faille critique dans le VPN du cabinet : "
                                             "appliquez le correctif.")
        assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == (
            "1|a:unsub"
        )


async def test_an_alert_telegram_refuses_in_any_form_pauses_the_broadcast(
    db: Database, api: FakeBotApi, sender: BotApiSender, vtime: VirtualTime  # noqa: F811
) -> None:
    too_long = "Mettez à jour. " * 300  # 4,500 characters: refused, as HTML and as plain text
    with pytest.raises(TextRefused, match="message is too long"):
        await sender.send(801, too_long, "fr")

    chats = list(range(801, 841))
    bid, loop, reports = await broadcast(db, sender, vtime, chats, too_long)

    info = await BroadcastQueue(db).info(bid)
    assert info is not None and info.status == PAUSED
    assert info.counts == {PENDING: 40}  # nothing failed, nothing to redo by hand
    assert len(api.calls_to("sendMessage")) <= 2 + 2 * loop.concurrency
    assert await subscribed(db) == set(chats)
    final = progress_text(reports[-1], final=True)
    assert "Telegram refuse le texte de cette alerte" in final and "message is too long" in final
