"""Wiring, checked on the running application (`vigie run` against the fake Bot API):
settings reach the parts they configure, and scheduled work really runs."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path

import pytest

from bot.core.content import Content
from tests.e2e_support import Harness, Launch, eventually
from tests.fakes.bot_api import FakeBotApi

SLOW_DOWN = "très vite"
NAMED_ONLY = "M. Zorglub"  # a title and a name, nothing the matcher knows


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
    replies = await bot.chat(5005).send(NAMED_ONLY)
    assert replies
    assert bot.count("unmatched") == 0


async def test_the_unmatched_log_is_kept_when_the_association_opts_in(launch: Launch) -> None:
    # The counterpart of the test above: the same question is logged, redacted, when asked.
    bot = await launch(VIGIE_UNMATCHED_LOG="1")
    await bot.chat(5006).send(NAMED_ONLY)
    assert bot.query("SELECT text FROM unmatched") == [("[nom]",)]
