"""Wiring, checked on the running application (`vigie run` against the fake Bot API):
settings reach the parts they configure, and scheduled work really runs."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path

import pytest

from bot.broadcast.queue import BroadcastQueue
from bot.core.content import Content
from bot.storage.database import Database
from tests.e2e_support import Harness, Launch, eventually
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_limits import RateLimits

SLOW_DOWN = "très vite"
NAMED_ONLY = "M. Zorglub"  # a title and a name, nothing the matcher knows
UNMATCHED = "blorf zarg quintessence"


class Ticker:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


async def test_flood_settings_reach_the_guard(launch: Launch) -> None:
    bot = await launch(VIGIE_FLOOD_LIMIT="2", VIGIE_FLOOD_WINDOW="45")
    guard = bot.app.bot_data["vigie_service"].flood
    assert (guard.limit, guard.window) == (2, 45.0)
    member = bot.chat(5001)
    for _ in range(2):
        assert SLOW_DOWN not in (await member.send("/aide"))[0].text
    assert SLOW_DOWN in (await member.send("/aide"))[0].text


async def test_interactive_replies_count_in_the_broadcast_rate_limit(launch: Launch) -> None:
    bot = await launch()
    limiter = bot.app.bot_data["vigie_limiter"]
    limiter.clock = Ticker()  # frozen: the per-chat second never passes
    await bot.chat(5002).send("/start")
    # Another chat may be written to at once; the chat just answered must wait its second.
    await asyncio.wait_for(limiter.acquire(5003), 5)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(limiter.acquire(5002), 0.3)


async def test_the_running_bot_purges_idle_sessions_on_schedule(
    fake_api: FakeBotApi, content: Content, tmp_path: Path
) -> None:
    harness = Harness(fake_api, content, tmp_path)
    harness.app_options = {"purge_every": 0.2}
    await harness.start()
    try:
        await harness.chat(5004).send("/notifier")
        assert harness.count("sessions") == 1
        days = content.association.session_retention_days
        old = time.time() - (days + 1) * 86400
        conn = sqlite3.connect(harness.db_path)  # a separate connection, like another process
        with conn:
            conn.execute("INSERT INTO sessions VALUES ('idle', ?, ?)", (json.dumps({}), old))
        conn.close()
        assert harness.count("sessions") == 2
        await eventually(lambda: harness.count("sessions") == 1, "the idle session to go")
        assert harness.query("SELECT key FROM sessions WHERE key = 'idle'") == []
    finally:
        await harness.stop()


async def test_the_running_bot_keeps_no_unmatched_question_by_default(launch: Launch) -> None:
    bot = await launch()
    member = bot.chat(5005)
    for question in (NAMED_ONLY, UNMATCHED):
        assert await member.send(question)
    assert bot.count("unmatched") == 0


async def test_the_unmatched_log_is_kept_when_the_association_opts_in(launch: Launch) -> None:
    # The counterpart of the test above: with the opt-in, the plain question is logged
    # (one naming a patient never is).
    bot = await launch(VIGIE_UNMATCHED_LOG="1")
    member = bot.chat(5006)
    for question in (NAMED_ONLY, UNMATCHED):
        await member.send(question)
    assert bot.query("SELECT text FROM unmatched") == [(UNMATCHED,)]


async def test_a_broadcast_beside_a_conversation_stays_within_telegrams_limits(
    content: Content, tmp_path: Path
) -> None:
    # The fake refuses what Telegram refuses: floods (429), stale button answers, and
    # chats whose user never wrote to the bot. None of it may happen.
    realistic = FakeBotApi(rate_limits=RateLimits(), callback_ttl=15.0, require_start=True)
    async with realistic as api:
        harness = Harness(api, content, tmp_path, VIGIE_ADMIN_IDS="42")
        await harness.start()
        try:
            subscribers = list(range(8001, 8061))
            api.started(*subscribers, 42)  # they subscribed, the admin wrote, in an earlier run
            async with Database(harness.db_path) as db:
                await db.conn.executemany(
                    "INSERT INTO subscriptions (chat_id, lang, categories, subscribed_at) "
                    "VALUES (?, 'fr', 'urgent', '2026-01-01')",
                    [(chat,) for chat in subscribers],
                )
                bid = await BroadcastQueue(db).create("Alerte <b>VPN</b> : mettez à jour.",
                                                      "urgent")
            harness.app.bot_data["vigie_broadcasts"].start(bid, "urgent", 42)
            member = harness.chat(9001)
            await member.send("/notifier")
            replies = await member.click("Oui")
            assert replies and "Question 2" in replies[-1].text
            await eventually(
                lambda: harness.query("SELECT status FROM broadcasts") == [("done",)],
                "the broadcast to finish", timeout=120,
            )
            await harness.idle()
        finally:
            await harness.stop()
    refused = [(c.method, c.status, c.description) for c in api.calls
               if c.status >= 400 and c.method != "getUpdates"]  # 409 when polling stops
    assert refused == []
    delivered = [c.chat_id for c in api.sent() if c.chat_id in subscribers]
    assert sorted(delivered) == subscribers
    assert all(c.ok for c in member.answered_callbacks) and member.answered_callbacks
