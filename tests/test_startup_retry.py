"""An unreachable Telegram at start is waited for, for ever, one log line per attempt (#15).

The real python-telegram-bot Application calls getMe on the fake Bot API; the
backoff's base and cap are injected and its sleeps recorded, so nothing here
sleeps for real except the process test, which uses the shipped delays.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import pytest
from telegram.ext import Application
from telegram.request import HTTPXRequest

from bot.adapters.telegram.startup import Backoff, wait_for_telegram
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi, free_port

ROOT = Path(__file__).resolve().parent.parent
FAST = Backoff(base=0.01, cap=0.04)


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "nouvel essai" in r.getMessage()]


class Sleeps:
    """Records the delays asked for; runs `on_sleep(n)` before the n-th one returns."""

    def __init__(self, on_sleep: object = None) -> None:
        self.delays: list[float] = []
        self.on_sleep = on_sleep

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        if callable(self.on_sleep):
            await self.on_sleep(len(self.delays))


async def test_connection_refused_is_retried_until_the_server_comes_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()  # nothing listens there yet: connection refused
    api = FakeBotApi(port=port)
    app = (
        Application.builder().token(DEFAULT_TOKEN)
        .base_url(f"http://127.0.0.1:{port}/bot").build()
    )  # fmt: skip

    async def network_comes_up(attempt: int) -> None:
        if attempt == 5:
            await api.start()

    sleeps = Sleeps(network_comes_up)
    try:
        with caplog.at_level(logging.INFO, logger="vigie"):
            failures = await asyncio.wait_for(wait_for_telegram(app.initialize, FAST, sleeps), 30)
        assert failures == 5
        assert sleeps.delays == [0.01, 0.02, 0.04, 0.04, 0.04]  # growing, capped
        lines = retry_lines(caplog)
        assert len(lines) == 5 and all("Telegram injoignable" in line for line in lines)
        assert not any(r.exc_info for r in caplog.records)  # no traceback logged
        assert api.calls_to("getMe")
    finally:
        await app.shutdown()
        await api.stop()


async def test_a_bad_gateway_is_retried_one_line_per_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with FakeBotApi() as api:
        api.fail("getMe", status=502, times=3)
        app = api.application_builder().build()
        sleeps = Sleeps()
        with caplog.at_level(logging.INFO, logger="vigie"):
            failures = await wait_for_telegram(app.initialize, FAST, sleeps)
        await app.shutdown()
    assert failures == 3 and sleeps.delays == [0.01, 0.02, 0.04]
    assert len(retry_lines(caplog)) == 3
    assert [c.status for c in api.calls_to("getMe")] == [502, 502, 502, 200]


async def test_a_slow_answer_is_retried_with_a_delay_not_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with FakeBotApi() as api:
        api.delay("getMe", 1.0, times=2)
        app = (
            api.application_builder()
            .request(HTTPXRequest(read_timeout=0.2, connect_timeout=0.2))
            .build()
        )
        sleeps = Sleeps()
        with caplog.at_level(logging.INFO, logger="vigie"):
            failures = await wait_for_telegram(app.initialize, FAST, sleeps)
        await app.shutdown()
    assert failures == 2
    assert sleeps.delays == [0.01, 0.02]  # PTB's own loop would retry a timeout at once
    assert all("TimedOut" in line for line in retry_lines(caplog))


async def test_vigie_run_started_before_the_network_serves_once_it_is_up(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = dict(
        os.environ, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot", VIGIE_DB=str(tmp_path / "v.db"),
        VIGIE_SECRET="k" * 32, PTB_TIMEDELTA="true", VIGIE_CONSOLE_PORT="0",
        VIGIE_SEMANTIC="off",  # a fresh folder: no phrasing vectors, none needed here
    )  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    output: list[str] = []

    async def read_until(marker: str) -> None:
        while marker not in "".join(output):
            line = await process.stdout.readline()  # type: ignore[union-attr]
            assert line, "".join(output)
            output.append(line.decode())

    try:
        await asyncio.wait_for(read_until("essai 2"), 30)  # two attempts failed, still alive
        assert process.returncode is None
        async with FakeBotApi(port=port) as api:
            for _ in range(200):
                if api.calls_to("getUpdates"):
                    break
                await asyncio.sleep(0.05)
            api.message(1001, "/start")
            for _ in range(200):
                if api.sent(chat_id=1001):
                    break
                await asyncio.sleep(0.05)
            assert api.sent(chat_id=1001), "".join(output)
            process.terminate()
            rest, _ = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = "".join(output) + rest.decode()
    assert "Traceback" not in text and "Aborting" not in text, text
    assert text.count("Telegram injoignable au démarrage") >= 2
