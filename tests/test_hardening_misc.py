"""The review's informational points (security review 2026-12): the token never travels
in clear, error logs carry no chat id, YAML tags are refused, risky links are flagged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.content.yamlsource import parse_yaml
from bot.core.content import Content
from bot.settings import Settings, SettingsError
from tests.e2e_support import Harness
from tests.fakes.bot_api import FakeBotApi, TelegramApiError

NEW_GROUP_ID = -1009876543210


@pytest.mark.parametrize(
    "url",
    [
        "http://api.telegram.org/bot",
        "http://proxy.example/bot",
        "ftp://127.0.0.1/bot",
        "api.telegram.org/bot",
    ],
)
def test_a_base_url_that_would_send_the_token_in_clear_is_refused(url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"TELEGRAM_API_BASE_URL": url})
    assert "https://" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.telegram.org/bot",
        "http://127.0.0.1:8081/bot",
        "http://localhost:8081/bot",
        "http://[::1]:8081/bot",
    ],
)
def test_https_or_a_local_server_is_accepted(url: str) -> None:
    assert Settings.from_env({"TELEGRAM_API_BASE_URL": url}).api_base_url == url


@pytest.fixture
async def bot(content: Content, tmp_path: Path) -> AsyncIterator[Harness]:
    async with FakeBotApi() as api:
        harness = Harness(api, content, tmp_path)
        await harness.start()
        yield harness
        await harness.stop()


async def test_an_error_log_line_holds_no_chat_id(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A group upgraded to a supergroup: Telegram's error carries the new chat id."""
    caplog.set_level(logging.DEBUG)

    def migrated(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage":
            raise TelegramApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=NEW_GROUP_ID,
            )

    bot.api.rule = migrated
    bot.api.message(777001, "/start")
    await bot.idle()
    logged = [(r.name, r.getMessage()) for r in caplog.records if r.name.startswith("vigie")]
    assert any("ChatMigrated" in message for _, message in logged), logged
    assert not any(str(abs(NEW_GROUP_ID)) in message for _, message in logged), logged
    assert not any("777001" in message for _, message in logged), logged


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system [echo hi]\n",
        "a: !!python/object:builtins.dict {x: 1}\n",
        "a: !!set {x, y}\n",
        "a: !!omap [x: 1]\n",
        "a: !custom\n  b: 1\n",
    ],
    ids=["apply", "object", "set", "omap", "local-tag"],
)
def test_a_tag_on_a_list_or_mapping_is_an_error(text: str) -> None:
    doc, problems = parse_yaml(text, "x.yaml")
    assert doc is None
    assert len(problems) == 1 and problems[0].line == 1, problems
    assert "étiquette YAML" in problems[0].message


def test_plain_lists_and_mappings_still_load() -> None:
    doc, problems = parse_yaml("a: [1, 2]\nb: {c: d}\ne: !!seq [x]\nf: !!map {g: h}\n", "x.yaml")
    assert not problems and doc is not None
    assert doc.data == {"a": [1, 2], "b": {"c": "d"}, "e": ["x"], "f": {"g": "h"}}
