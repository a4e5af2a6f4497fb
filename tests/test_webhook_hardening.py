"""Webhook hardening (security review 2026-12, L10): the secret is validated, compared in
constant time, refusals are counted in a rate-limited log line that never holds the
header, and Telegram is asked for messages and button presses only."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from telegram.ext._utils import webhookhandler

from bot.adapters.telegram import webhook as hardening
from bot.core.content import Content
from bot.settings import Settings, SettingsError
from tests.e2e_support import Harness
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi, free_port
from tests.process import ROOT, start_vigie, stop_vigie

GOOD_SECRET = "A1b2_C3d4-" * 4


@pytest.mark.parametrize(
    "value",
    ["short", "x" * 31, "x" * 31 + "!", "é" * 40, "a b" * 20, "x" * 257],
    ids=["short", "31-chars", "punctuation", "accents", "spaces", "too-long"],
)
def test_a_weak_or_malformed_webhook_secret_is_refused(value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"VIGIE_WEBHOOK_SECRET": value})
    message = str(caught.value)
    assert "VIGIE_WEBHOOK_SECRET" in message and "32" in message
    assert value not in message and "\n" not in message


def test_a_good_webhook_secret_is_kept() -> None:
    assert Settings.from_env({"VIGIE_WEBHOOK_SECRET": GOOD_SECRET}).webhook_secret == GOOD_SECRET


@pytest.fixture
async def webhook(content: Content, tmp_path: Path) -> AsyncIterator[Harness]:
    async with FakeBotApi() as api:
        harness = Harness(api, content, tmp_path)
        await harness.start("webhook")
        yield harness
        await harness.stop()


async def _post(harness: Harness, token: str | None) -> int:
    url = harness.api.webhook_url
    assert url
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = token
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=b'{"update_id": 1}', headers=headers) as response,
    ):
        return response.status


async def test_refused_requests_are_counted_in_one_line_without_the_header(
    webhook: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh counter: the process-wide one may have reported within the last minute,
    # for another test, and would then rightly stay silent here.
    monkeypatch.setattr(hardening, "rejected_requests", hardening.RejectedRequests())
    caplog.set_level(logging.DEBUG)
    assert webhookhandler.TelegramHandler is hardening._CheckedTelegramHandler
    secret = webhook.secret_token or ""
    near_miss = secret[:-1] + ("0" if secret[-1] != "0" else "1")  # same length
    before = hardening.rejected_requests.total
    statuses = [await _post(webhook, None)]
    statuses += [await _post(webhook, f"guess{i:04d}{near_miss}") for i in range(30)]
    statuses.append(await _post(webhook, near_miss))
    assert set(statuses) == {403}
    assert hardening.rejected_requests.total - before == 32
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert 1 <= len(lines) <= 2, lines  # rate-limited: not one line per request
    assert "request(s) refused" in lines[0]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert near_miss not in everything and "guess0001" not in everything
    replies = await webhook.chat(6101).send("/start")  # the real secret still works
    assert replies and "Vigie" in replies[0].text


def test_refusals_are_reported_again_after_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    counter = hardening.RejectedRequests(every_seconds=60, clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="vigie")
    for _ in range(100):
        counter.note("wrong secret token")
        now[0] += 1.0
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(lines) == 2
    assert lines[1].startswith("webhook: 60 request(s) refused")
    assert counter.total == 100


async def _calls_after_start(
    api: FakeBotApi, method: str, *args: str, **env: str
) -> dict[str, object]:
    environment = dict(os.environ, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
                       TELEGRAM_API_BASE_URL=api.base_url, VIGIE_SECRET="k" * 32,
                       PTB_TIMEDELTA="true",
                       **{"VIGIE_CONSOLE_PORT": "0", "VIGIE_SEMANTIC": "off", **env})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", *args, cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            found = [c for c in api.calls if c.method.lower() == method]
            if found:
                return dict(found[0].params)
            await asyncio.sleep(0.05)
        raise AssertionError(f"vigie run never called {method}")
    finally:
        await stop_vigie(process)


async def test_polling_asks_for_messages_and_button_presses_only(tmp_path: Path) -> None:
    async with FakeBotApi() as api:
        bot = await start_vigie(api, tmp_path / "v.db")
        await stop_vigie(bot)
        polls = [c for c in api.calls if c.method.lower() == "getupdates"]
        assert sorted(polls[0].params["allowed_updates"]) == ["callback_query", "message"]


async def test_the_webhook_asks_for_messages_and_button_presses_only(tmp_path: Path) -> None:
    port = free_port()
    async with FakeBotApi() as api:
        params = await _calls_after_start(
            api, "setwebhook", "--webhook-url", f"http://127.0.0.1:{port}/telegram",
            "--port", str(port), VIGIE_DB=str(tmp_path / "v.db"),
        )
    assert sorted(params["allowed_updates"]) == ["callback_query", "message"]
