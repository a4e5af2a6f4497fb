"""More conversations through the real PTB stack: the self-check, admins in groups, webhooks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.content import Content
from tests.docx_support import docx_text
from tests.e2e_support import Harness
from tests.fakes.bot_api import FakeBotApi


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def test_security_self_check_through_telegram(api: FakeBotApi, content: Content,
                                                   tmp_path: Path) -> None:
    harness = await Harness(api, content, tmp_path).start()
    try:
        chat = harness.chat(3101)
        replies = await chat.send("/securite")
        for _ in range(30):
            if any("Autodiagnostic" in r.text for r in replies):
                break
            labels = [text for text, _ in replies[-1].buttons]
            if "✅ Voir le résultat" in labels:
                replies = await chat.click("✅ Voir le résultat")
            else:
                replies = await chat.click("Non")
        score = next(r for r in replies if "Autodiagnostic" in r.text)
        assert "Autodiagnostic : 0 %" in score.text
        assert "À faire" in score.text and len(score.buttons) >= 3
        # The action plan follows, as a file: "Non" everywhere, a box for every check.
        assert replies[-1].method == "sendDocument" and replies[-1].document is not None
        name, data = replies[-1].document
        assert name.startswith("vigie-plan-actions-securite-") and name.endswith(".docx")
        plan = docx_text(data)
        checks = [n for n in content.flows["security_checkup"].nodes.values() if n.check]
        assert plan.count("☐ À faire :") == len(checks)
        assert "votre plan d'actions" in replies[-1].text  # the caption says what it is for
        sessions = harness.query("SELECT data FROM sessions")
        assert sessions and all('"answers": {}' in str(row[0]) or '"flow": null' in str(row[0])
                                for row in sessions)
    finally:
        await harness.stop()


async def test_admin_commands_are_refused_in_groups_too(api: FakeBotApi, content: Content,
                                                        tmp_path: Path) -> None:
    harness = await Harness(api, content, tmp_path, VIGIE_ADMIN_IDS="42").start()
    try:
        member = harness.chat(43, chat_id=-1001)
        refused = await member.send("/diffuser@vigie_test_bot")
        unknown = await member.send("/nimportequoi@vigie_test_bot")
        assert refused and [r.text for r in refused] == [r.text for r in unknown]
        admin = harness.chat(42, chat_id=-1001)
        replies = await admin.send("/diffuser@vigie_test_bot")
        assert "conversation privée" in replies[0].text  # never drafted in a group
    finally:
        await harness.stop()


async def test_webhook_answers_200_at_once_even_for_updates_that_fail(
    api: FakeBotApi, content: Content, tmp_path: Path
) -> None:
    harness = await Harness(api, content, tmp_path).start("webhook")
    try:
        url = api.webhook_url
        assert url
        forged = api.callback(5, "1|f:99:c0", message_id=12345, push=False)
        handled = asyncio.Event()

        async def handling_waits_for_the_test(method: str, params: dict[str, Any]) -> None:
            if method == "answerCallbackQuery":
                await handled.wait()

        api.rule = handling_waits_for_the_test  # the handling is stuck...
        post = api.post_webhook(url, forged, secret_token=harness.secret_token)
        status = await asyncio.wait_for(post, 30)  # ...but Telegram is answered anyway
        assert status == 200  # the handling cannot have finished: it waits for `handled`
        handled.set()
        await harness.idle()
    finally:
        await harness.stop()
