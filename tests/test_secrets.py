"""No secret in any text an error becomes (security review H1 and M1).

The bot token travels in every Bot API URL. A transport error's message may
quote the URL, and python-telegram-bot's InvalidToken quotes the token: these
tests make those errors happen for real and look for the token in the
database files, the logs and the operator's terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.broadcast.httpsender import BotApiSender
from bot.broadcast.queue import FAILED, BroadcastQueue
from bot.broadcast.sender import Broadcaster, RateLimiter, Transient
from bot.core.content import Content
from bot.privacy.secrets import MASK, MaskingFormatter, error_text, mask_secrets, remember_secret
from bot.storage.database import Database
from bot.storage.stores import SqliteSubscriptions
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
# A token of @BotFather's shape that no test registers: only its shape can hide it.
UNSEEN_TOKEN = "987654321:AAHx-unseen_Token_0123456789abcdefghij"


def test_a_token_is_masked_by_its_shape_and_a_remembered_secret_by_its_value() -> None:
    url = f"Connection timeout to host http://127.0.0.1:1/bot{UNSEEN_TOKEN}/sendMessage"
    assert UNSEEN_TOKEN not in mask_secrets(url)
    assert mask_secrets(url).endswith(f"/bot{MASK}/sendMessage")
    remember_secret("webhook-Secret-Of-Forty-Characters-xyz")
    assert mask_secrets("header webhook-Secret-Of-Forty-Characters-xyz refused") == (
        f"header {MASK} refused"
    )
    assert mask_secrets("12:30 le 03/02, 150 patients") == "12:30 le 03/02, 150 patients"


def test_error_text_keeps_the_type_and_hides_the_url() -> None:
    text = error_text(TimeoutError(f"timeout to host http://h/bot{UNSEEN_TOKEN}/getMe"))
    assert text.startswith("TimeoutError: ") and UNSEEN_TOKEN not in text
    assert error_text(ValueError()) == "ValueError"
    assert len(error_text(ValueError("x" * 1000))) == 200


def test_a_librarys_error_is_one_line_and_masked() -> None:
    record = logging.LogRecord("telegram.ext", logging.ERROR, __file__, 1, "Aborting", None, None)
    try:
        raise RuntimeError(f"The token `{UNSEEN_TOKEN}` was rejected by the server.")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    formatted = MaskingFormatter("%(name)s: %(message)s").format(record)
    assert formatted == (
        f"telegram.ext: Aborting (RuntimeError: The token `{MASK}` was rejected by the server.)"
    )


def test_a_logged_traceback_is_masked_too() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "send failed", None, None)
    try:
        raise RuntimeError(f"The token `{UNSEEN_TOKEN}` was rejected by the server.")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    formatted = MaskingFormatter("%(message)s").format(record)
    assert "Traceback" in formatted and "RuntimeError" in formatted
    assert UNSEEN_TOKEN not in formatted


@pytest.fixture
def unresponsive_port() -> Iterator[int]:
    """A loopback port whose accept queue is full: connect() hangs, as when Telegram stalls."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for sock in [*fillers, server]:
        sock.close()


async def test_a_connect_timeout_during_a_broadcast_stores_no_token(
    tmp_path: Path, content: Content, unresponsive_port: int
) -> None:
    endpoint = f"http://127.0.0.1:{unresponsive_port}/bot{UNSEEN_TOKEN}"
    sender = BotApiSender(endpoint, content, "urgent", timeout=0.5)
    with pytest.raises(Transient) as raised:
        await sender.send(1, "alerte", "fr")
    assert UNSEEN_TOKEN not in str(raised.value) and "TimedOut" in str(raised.value)

    path = tmp_path / "vigie.db"
    async with Database(path) as db:
        subscriptions = SqliteSubscriptions(db)
        for chat in (11, 12):
            await subscriptions.put(chat, "fr", ("urgent",))
        queue = BroadcastQueue(db)
        bid = await queue.create("Alerte de test", "urgent")
        loop = Broadcaster(
            queue, sender, RateLimiter(30), unsubscribe=subscriptions.remove_gone, max_attempts=1
        )
        final = await asyncio.wait_for(loop.run(bid), 30)
        await sender.aclose()
        assert final is not None and final.counts == {FAILED: 2}
        rows = await db.fetchall("SELECT last_error FROM deliveries")
        assert rows and all(row[0] and "TimedOut" in row[0] for row in rows)
        stored = b"".join(
            p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("vigie.db")
        )
    assert UNSEEN_TOKEN.encode() not in stored
    assert UNSEEN_TOKEN.split(":")[1].encode() not in stored


async def run_vigie(api_base_url: str, tmp_path: Path) -> tuple[int, str]:
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE_URL=api_base_url,
        VIGIE_DB=str(tmp_path / "v.db"),
        VIGIE_SECRET="k" * 32,
        PTB_TIMEDELTA="true",
        VIGIE_CONSOLE_PORT="0",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, output.decode("utf-8", "replace")


@pytest.mark.parametrize("mistake", ["token refused (401)", "base URL without /bot (404)"])
async def test_a_rejected_token_is_one_sentence_that_never_shows_it(
    tmp_path: Path, mistake: str
) -> None:
    refused = mistake.startswith("token")
    async with FakeBotApi(token="1:another-token" if refused else None) as api:
        base = api.base_url if refused else api.base_url.removesuffix("bot")
        code, output = await run_vigie(base, tmp_path)
    assert code == 2, output
    assert "Telegram a refusé le jeton : vérifiez TELEGRAM_BOT_TOKEN" in output
    assert DEFAULT_TOKEN not in output and DEFAULT_TOKEN.split(":")[1] not in output
    assert "Traceback" not in output
