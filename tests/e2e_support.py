"""Harness for the end-to-end tests: the real `vigie run` Application against FakeBotApi.

Each test gets a fresh fake Telegram server on loopback and a fresh SQLite file under
``tmp_path``; the Application is built by ``create_application`` exactly as the CLI does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pytest

from bot.adapters.telegram.runner import create_application, webhook_secret
from bot.core.content import Content
from bot.settings import Settings
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi, running
from tests.fakes.conversation import Chat

#: VIGIE_SECRET of every test bot (the key that derives the HMAC session keys).
TEST_SECRET = "e2e-vigie-secret-0123456789abcdef0123"

Mode = Literal["polling", "webhook"]


class Harness:
    """One Vigie deployment: settings, database file, and the running Application.

    ``restart()`` stops the Application and starts a brand-new one built from the same
    settings (same database, same secret), like an operator restarting ``vigie run``.
    """

    def __init__(self, api: FakeBotApi, content: Content, tmp_path: Path, **env: str):
        self.api = api
        self.content = content
        self.db_path = tmp_path / "vigie.db"
        self.env = {
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "VIGIE_DB": str(self.db_path),
            "VIGIE_SECRET": TEST_SECRET,
            "VIGIE_CONSOLE_PORT": "0",  # tests that want the console give a free port
            **env,
        }
        self.settings = Settings.from_env(self.env)
        #: Extra keyword arguments of create_application (e.g. purge_every).
        self.app_options: dict[str, Any] = {}
        self.app: Any = None
        self.mode: Mode = "polling"
        self.secret_token: str | None = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._chats: list[Chat] = []
        # The bot's clock (service and reminders), when a test moves time itself.
        self.clock: Callable[[], datetime] | None = None

    async def start(self, mode: Mode = "polling") -> Harness:
        self.mode = mode
        options: dict[str, Any] = dict(self.app_options)
        if self.clock is not None:
            options["clock"] = self.clock
        self.app = create_application(self.settings, self.content, **options)
        self.secret_token = webhook_secret(self.settings, self.app.bot_data["vigie_secret"])
        stack = contextlib.AsyncExitStack()
        if mode == "webhook":
            await stack.enter_async_context(
                running(self.app, mode="webhook", secret_token=self.secret_token)
            )
        else:
            await stack.enter_async_context(running(self.app))
        self._stack = stack
        for chat in self._chats:
            chat.app = self.app
        return self

    async def stop(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    async def restart(self) -> None:
        await self.stop()
        await self.start(self.mode)

    def chat(self, user_id: int, **kwargs: Any) -> Chat:
        """A user talking to this bot; follows the bot across restarts."""
        chat = Chat(self.api, user_id, app=self.app, **kwargs)
        self._chats.append(chat)
        return chat

    async def idle(self) -> None:
        await self.api.wait_idle(app=self.app)

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the bot's database with a separate connection (what an auditor would see)."""
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT COUNT(*) FROM {table}")[0][0])

    def database_bytes(self) -> dict[str, bytes]:
        """Raw bytes of the SQLite file and of its WAL / shared-memory files, if present."""
        files: dict[str, bytes] = {}
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = Path(f"{self.db_path}{suffix}")
            if path.exists():
                files[path.name] = path.read_bytes()
        return files


Launch = Callable[..., Awaitable[Harness]]


def vigie_problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Warnings and errors logged by Vigie or PTB (an unhandled exception, a failed send)."""
    return [
        f"{r.name} {r.levelname}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.split(".")[0] in ("vigie", "telegram", "bot")
    ]


async def eventually(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll for a condition instead of sleeping: generous, because the machine may be loaded."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout}s for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """A fake Telegram Bot API on loopback, fresh for each test."""
    async with FakeBotApi() as api:
        yield api
        assert api.internal_errors == [], "the fake Telegram server itself failed"


@pytest.fixture
async def launch(fake_api: FakeBotApi, content: Content, tmp_path: Path) -> AsyncIterator[Launch]:
    """``await launch(mode="webhook", VIGIE_ADMIN_IDS="42")`` starts `vigie run` with extra
    settings on a fresh database under tmp_path; it is stopped at the end of the test."""
    started: list[Harness] = []

    async def _launch(mode: Mode = "polling", **env: str) -> Harness:
        harness = Harness(fake_api, content, tmp_path, **env)
        started.append(harness)
        return await harness.start(mode)

    yield _launch
    for harness in reversed(started):
        await harness.stop()
