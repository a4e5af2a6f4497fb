"""Bad input and faults: the bot always answers sensibly and keeps its state."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.assistant import Assistant
from bot.core.content import Content
from bot.core.events import Context, Event
from bot.core.html import html_errors, split_message, visible_text
from bot.core.limits import MAX_MESSAGE_LENGTH
from bot.core.session import Session
from tests.e2e_support import Harness, eventually
from tests.fakes.bot_api import FakeBotApi

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NASTY = st.sampled_from([
    "\u200b\u200c\u200d", "\u202e رمز عبور CNIL", "\x00\x00", "🔥" * 500, "?!.;" * 300,
    "1234567890" * 409 + "123456", "a" * 4096, "ﷺ", "\ufeff", "<b>", "</i>&", "{contact_email}",
])
TEXT = st.one_of(NASTY, st.text(max_size=300), st.text(min_size=4000, max_size=4096))


def _check_replies(replies: list) -> None:
    assert replies, "every message gets an answer"
    for reply in replies:
        assert reply.text.strip()
        assert html_errors(reply.text) == [], reply.text[:200]
        for chunk in split_message(reply.text, MAX_MESSAGE_LENGTH):
            assert len(chunk) <= MAX_MESSAGE_LENGTH
            assert html_errors(chunk) == []
        assert all(len(b.data.encode()) <= 64 and 0 < len(b.label) <= 64
                   for b in reply.all_buttons())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, lang=st.sampled_from(["fr", "en", None]), in_flow=st.booleans())
def test_any_unicode_gets_a_valid_reply(assistant: Assistant, text: str, lang: str | None,
                                        in_flow: bool) -> None:
    session = Session(lang=lang)
    ctx = Context(NOW, user_lang=lang)
    if in_flow:
        assistant.handle(session, Event("command", "notifier"), ctx)
    outcome = assistant.handle(session, Event("text", text), ctx)
    _check_replies(outcome.replies)
    Session.from_json(session.to_json())


@settings(max_examples=100, deadline=None)
@given(data=st.one_of(st.text(max_size=80), st.binary(max_size=64).map(lambda b: b.hex())),
       command=st.text(max_size=40))
def test_any_button_or_command_gets_a_valid_reply(assistant: Assistant, data: str,
                                                  command: str) -> None:
    session = Session()
    ctx = Context(NOW)
    _check_replies(assistant.handle(session, Event("press", data), ctx).replies)
    _check_replies(assistant.handle(session, Event("command", command), ctx).replies)


def test_a_split_never_leaves_a_chunk_of_tags_only() -> None:
    # The breach drafts end with "\n</pre>": the last cut used to send "<pre></pre>",
    # which Telegram refuses as an empty message.
    text = "<pre>" + "x" * 20 + "\n" + "y" * 18 + "\n</pre>"
    chunks = split_message(text, 30)
    assert all(visible_text(chunk).strip() for chunk in chunks), chunks
    assert "".join(visible_text(chunk) for chunk in chunks) == visible_text(text)


@pytest.fixture
async def harness(content: Content, tmp_path: Path) -> AsyncIterator[Harness]:
    async with FakeBotApi() as api:
        harness = Harness(api, content, tmp_path)
        yield harness
        await harness.stop()


async def test_telegram_outage_is_one_log_line_and_the_bot_recovers(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vigie")
    api = harness.api
    await harness.start()
    api.fail("getUpdates", status=502, times=3)

    def back_up() -> bool:  # PTB backs off 1 s, 1.5 s, 2.25 s, then polls again
        return any("reachable again" in r.getMessage() for r in caplog.records)

    await eventually(back_up, "polling to recover", timeout=60)
    chat = harness.chat(5001)
    replies = await chat.send("/start")
    assert replies and "Vigie" in replies[0].text
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("vigie")]
    down = [line for line in lines if "unreachable" in line]
    up = [line for line in lines if "reachable again" in line]
    assert len(down) == 1, lines
    assert len(up) == 1 and "3 failed" in up[0], lines


async def test_locked_database_gives_a_clear_error_and_keeps_state(
    assistant: Assistant, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    from bot.service import FloodGuard, Vigie
    from bot.storage.database import Database
    from bot.storage.stores import SqliteSessions, SqliteStats, SqliteSubscriptions
    from tests.conftest import SECRET
    from tests.corechat import CoreChat

    path = tmp_path / "vigie.db"
    async with Database(path, busy_timeout_ms=100) as db:
        service = Vigie(assistant, secret=SECRET, sessions=SqliteSessions(db),
                        subscriptions=SqliteSubscriptions(db), stats=SqliteStats(db),
                        flood=FloodGuard(limit=1000))
        chat = CoreChat(service)
        await chat.send("/notifier")
        before = await service.sessions.get(service.key(chat.actor))
        yes = chat.button("Oui")
        other = sqlite3.connect(path)
        other.execute("BEGIN EXCLUSIVE")  # another process holds the database
        try:
            await chat.click("Oui")
            assert "incident technique" in chat.text
        finally:
            other.rollback()
            other.close()
        assert any("database unavailable" in r.getMessage() for r in caplog.records)
        after = await service.sessions.get(service.key(chat.actor))
        assert after == before  # nothing half-written
        await chat.click_data(yes)  # the same button, once the database is free again
        assert "Question 2" in chat.text


async def test_full_disk_gives_a_clear_error(assistant: Assistant, tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    from bot.service import FloodGuard, Vigie
    from bot.storage.database import Database
    from bot.storage.stores import SqliteSessions, SqliteStats, SqliteSubscriptions
    from tests.conftest import SECRET
    from tests.corechat import CoreChat

    async with Database(tmp_path / "vigie.db") as db:
        service = Vigie(assistant, secret=SECRET, sessions=SqliteSessions(db),
                        subscriptions=SqliteSubscriptions(db), stats=SqliteStats(db),
                        flood=FloodGuard(limit=1000))
        pages = (await db.fetchone("PRAGMA page_count"))[0]
        await db.write(f"PRAGMA max_page_count = {pages}")  # the disk is now "full"
        texts = []
        for user in range(200):  # new members: new session rows, new pages needed
            chat = CoreChat(service, user_id=10_000 + user)
            await chat.send("/notifier")
            texts.append(chat.text)
        assert any("incident technique" in text for text in texts)
        assert any("database unavailable" in r.getMessage() for r in caplog.records)


async def test_flooding_members_do_not_delay_another_members_start(harness: Harness) -> None:
    # Security review L3: each flooder stays under the flood limit (20 per 10 s) but their
    # waiting updates used to hold PTB's 64 concurrency slots: 16 s of delay for the other
    # member here, against 0.1 s now (unloaded).
    flooders = range(6001, 6017)
    api = harness.api

    async def slow_network_for_flooders(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage" and params.get("chat_id") in flooders:
            await asyncio.sleep(1.0)

    await harness.start()
    api.rule = slow_network_for_flooders
    for _ in range(19):
        for flooder in flooders:
            api.message(flooder, "/aide")
    api.message(7001, "/start")
    started = time.monotonic()
    await eventually(lambda: api.sent(chat_id=7001) != [], "the other member's answer",
                     timeout=60)
    waited = time.monotonic() - started
    assert waited < 5.0, f"the other member waited {waited:.1f} s behind 16 flooders"
    assert "Bonjour" in api.sent_texts(chat_id=7001)[0]
