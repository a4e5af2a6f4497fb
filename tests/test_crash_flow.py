"""kill -9 in the middle of a flow: the restarted bot continues at the same step."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi
from tests.fakes.conversation import Chat

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def _start(api: FakeBotApi, db: Path) -> asyncio.subprocess.Process:
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_BASE_URL=api.base_url,
               VIGIE_DB=str(db), VIGIE_SECRET="k" * 32, PTB_TIMEDELTA="true")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    for _ in range(200):  # ready when it polls
        if any(c.method.lower() == "getupdates" for c in api.calls[-5:]):
            return process
        await asyncio.sleep(0.05)
    process.kill()
    raise AssertionError("vigie run did not start polling")


async def test_kill_9_mid_flow_resumes_at_the_same_step(api: FakeBotApi, tmp_path: Path) -> None:
    db = tmp_path / "vigie.db"
    bot = await _start(api, db)
    chat = Chat(api, 4242, quiet=0.4, timeout=20)
    try:
        await chat.send("/notifier")
        await chat.click("Oui")
        replies = await chat.click("Mes données (responsable)")
        assert "Question 3" in replies[-1].text
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        bot = await _start(api, db)
        # The member taps the next answer on the message shown before the crash.
        replies = await chat.click("Oui")
        assert "Question 4" in replies[-1].text, [r.text for r in replies]
        replies = await chat.click("↩ Retour")
        assert "Question 3" in replies[-1].text
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(bot.wait(), 10)
            except TimeoutError:
                bot.kill()
                await bot.wait()
