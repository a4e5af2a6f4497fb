"""kill -9 in the middle of a flow: the restarted bot continues at the same step."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.conversation import Chat
from tests.process import start_vigie, stop_vigie

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def test_kill_9_mid_flow_resumes_at_the_same_step(api: FakeBotApi, tmp_path: Path) -> None:
    db = tmp_path / "vigie.db"
    bot = await start_vigie(api, db)
    chat = Chat(api, 4242, quiet=0.4, timeout=20)
    try:
        await chat.send("/notifier")
        await chat.click("Oui")
        replies = await chat.click("Mes données (responsable)")
        assert "Question 3" in replies[-1].text
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        bot = await start_vigie(api, db)
        # The member taps the next answer on the message shown before the crash.
        replies = await chat.click("Oui")
        assert "Question 4" in replies[-1].text, [r.text for r in replies]
        replies = await chat.click("↩ Retour")
        assert "Question 3" in replies[-1].text
    finally:
        await stop_vigie(bot)
