"""Harness for the web console tests: `vigie run` with its console on a free port.

`Staff` is a browser without JavaScript: an aiohttp client with its own cookie jar,
that signs in the only way there is, through the link the bot sends for /console.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.content import Content
from tests.e2e_support import Harness
from tests.fakes.bot_api import FakeBotApi, free_port

ADMIN = 730112459  # distinctive: the pages must never show it
LINK = re.compile(r"(https?://[^\s\"<]+/login/[A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def console_link(harness: Harness, user_id: int = ADMIN) -> str:
    """What an admin does in Telegram: /console, and the link in the bot's answer."""
    replies = await harness.chat(user_id).send("/console")
    found = LINK.search(replies[-1].raw_text or replies[-1].text)
    assert found, f"no console link in {replies[-1].text!r}"
    return found.group(1)


class Staff:
    def __init__(self, base: str):
        self.base = base
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Accept-Language": "fr-FR,fr"}
        )
        self.csrf = ""

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str]:
        async with self.http.get(self.base + path, **kwargs) as response:
            text = await response.text()
            self._remember(text)
            return response.status, text

    async def post(self, path: str, data: dict[str, str], csrf: bool = True) -> tuple[int, str]:
        form = {"csrf": self.csrf, **data} if csrf else data
        async with self.http.post(self.base + path, data=form) as response:
            text = await response.text()
            self._remember(text)
            return response.status, text

    async def json(self, path: str) -> Any:
        async with self.http.get(self.base + path) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    def _remember(self, text: str) -> None:
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)

    async def sign_in(self, link: str) -> tuple[int, str]:
        """Open the link, press "Ouvrir la console"; returns the page reached."""
        status, page = await self.get(link[len(self.base):])
        assert status == 200, page
        token = link.rsplit("/", 1)[1]
        return await self.post("/login", {"token": token}, csrf=False)


Console = tuple[Harness, Callable[[], Awaitable[Staff]]]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake
        assert fake.internal_errors == [], "the fake Telegram server itself failed"


Launch = Callable[..., Awaitable[Console]]


@pytest.fixture
async def launch_console(
    api: FakeBotApi, content: Content, tmp_path: Path
) -> AsyncIterator[Launch]:
    """`await launch_console(content=..., **env)`: `vigie run` with VIGIE_ADMIN_IDS=ADMIN and its
    console on a free port; `new_staff()` opens a browser."""
    harnesses: list[Harness] = []
    browsers: list[Staff] = []

    async def _launch(content: Content = content, **env: str) -> Console:
        port = free_port()
        settings = {
            "VIGIE_ADMIN_IDS": str(ADMIN),
            "VIGIE_CONSOLE_PORT": str(port),
            "VIGIE_CONSOLE_URL": f"http://127.0.0.1:{port}",
            "VIGIE_UNMATCHED_LOG": "1",
            "VIGIE_BROADCAST_RATE": "25",
            **env,
        }
        harness = Harness(api, content, tmp_path, **settings)
        harnesses.append(harness)
        await harness.start()

        async def new_staff() -> Staff:
            staff = Staff(f"http://127.0.0.1:{port}")
            browsers.append(staff)
            return staff

        return harness, new_staff

    yield _launch
    for staff in browsers:
        await staff.close()
    for harness in reversed(harnesses):
        await harness.stop()


@pytest.fixture
async def console(launch_console: Launch) -> Console:
    return await launch_console()
