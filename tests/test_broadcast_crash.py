"""A broadcast survives its process being killed.

`vigie broadcast send FILE --yes` runs as a real subprocess against the fake Telegram Bot
API (served by this test's event loop) and is SIGKILLed after about 100 of 300 alerts; then
the broadcast is finished either by `vigie broadcast resume ID` or by the next start of the
bot (create_application, which resumes unfinished broadcasts). Every member must get the
alert; only the messages that were in flight when the process died (at most the sender's
concurrency) may arrive twice, and the database must end with every delivery sent.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.broadcast.sender import Broadcaster
from bot.core.content import Content
from bot.storage.database import Database
from tests.e2e_support import Harness
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = list(range(10_001, 10_301))
RATE = 30
KILL_AFTER = 100
#: The messages a broadcaster has in flight: sent to Telegram, not yet recorded as sent.
#: (make_broadcaster, used by the CLI and by the bot, keeps Broadcaster's default.)
CONCURRENCY = inspect.signature(Broadcaster).parameters["concurrency"].default

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake
        assert fake.internal_errors == [], "the fake Telegram server itself failed"


def accepted(api: FakeBotApi) -> Counter[int]:
    """How many times each member got the alert (sends Telegram accepted)."""
    members = set(MEMBERS)
    return Counter(
        c.chat_id for c in api.calls if c.method == "sendMessage" and c.ok and c.chat_id in members
    )


def query(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def delivery_counts(db_path: Path) -> dict[str, int]:
    rows = query(db_path, "SELECT status, count(*) FROM deliveries GROUP BY status")
    return {str(status): int(str(n)) for status, n in rows}


def sent_in_db(db_path: Path) -> set[int]:
    rows = query(db_path, "SELECT chat_id FROM deliveries WHERE status = 'sent'")
    return {int(str(r[0])) for r in rows}


async def eventually(predicate: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout}s for {what}")
        await asyncio.sleep(0.01)


class Vigie:
    """`python -m bot ...` (the `vigie` command) in a subprocess, output in files."""

    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.tmp_path = tmp_path
        self.env = env
        self.runs = 0

    async def start(self, *args: str) -> tuple[asyncio.subprocess.Process, Path, Path]:
        self.runs += 1
        out = self.tmp_path / f"run{self.runs}.out"
        err = self.tmp_path / f"run{self.runs}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *args,
                cwd=ROOT, env=self.env, stdin=asyncio.subprocess.DEVNULL,
                stdout=stdout, stderr=stderr,
            )  # fmt: skip
        return proc, out, err


@pytest.fixture
async def setup(api: FakeBotApi, tmp_path: Path) -> tuple[Vigie, Path, Path]:
    """300 members subscribed to urgent alerts, the alert file and the `vigie` runner."""
    db_path = tmp_path / "vigie.db"  # where tests.e2e_support.Harness looks for it
    async with Database(db_path) as db:
        await db.conn.executemany(
            "INSERT INTO subscriptions VALUES (?, 'fr', 'urgent', '2026-03-01')",
            [(m,) for m in MEMBERS],
        )
    alert = tmp_path / "alerte.md"
    alert.write_text(
        '---\ntitle: "Rançongiciel"\ncategory: urgent\n---\n'
        "Campagne de <b>rançongiciel</b> en cours : ne rouvrez pas les pièces jointes.\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIE_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        VIGIE_DB=str(db_path),
        VIGIE_SEMANTIC="off",  # a fresh folder: no phrasing vectors, and none needed here
        VIGIE_SECRET="crash-test-secret-0123456789abcdef",
        VIGIE_BROADCAST_RATE=str(RATE),
        VIGIE_CONSOLE_PORT="0",
        PTB_TIMEDELTA="true",
    )
    return Vigie(tmp_path, env), db_path, alert


async def send_and_kill(api: FakeBotApi, vigie: Vigie, db_path: Path, alert: Path) -> set[int]:
    """Start the broadcast, SIGKILL it after ~100 alerts; returns the members whose alert
    Telegram accepted but the database does not record (the messages in flight)."""
    proc, _, err = await vigie.start("broadcast", "send", str(alert), "--yes")
    try:
        await eventually(
            lambda: sum(accepted(api).values()) >= KILL_AFTER or proc.returncode is not None,
            f"{KILL_AFTER} alerts",
            timeout=60,
        )
        assert proc.returncode is None, err.read_text()
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
    assert proc.returncode == -signal.SIGKILL
    await api.wait_idle(quiet=0.3)  # requests the process had sent are answered

    before = accepted(api)
    recorded = sent_in_db(db_path)
    assert query(db_path, "SELECT id, status, total FROM broadcasts") == [(1, "running", 300)]
    assert KILL_AFTER <= len(before) < len(MEMBERS), "the process was not killed mid-way"
    assert max(before.values()) == 1
    # Never recorded as sent unless Telegram accepted it...
    assert recorded <= set(before)
    # ...and what Telegram accepted but is not recorded was in flight: at most CONCURRENCY.
    in_flight = set(before) - recorded
    assert len(in_flight) <= CONCURRENCY
    assert delivery_counts(db_path) == {"sent": len(recorded), "pending": 300 - len(recorded)}
    return in_flight


def assert_finished(api: FakeBotApi, db_path: Path, in_flight: set[int]) -> None:
    got = accepted(api)
    assert set(got) == set(MEMBERS), f"{len(set(MEMBERS) - set(got))} member(s) never got it"
    twice = {chat for chat, n in got.items() if n > 1}
    assert max(got.values()) <= 2
    assert len(twice) <= CONCURRENCY
    assert twice == in_flight  # exactly the messages in flight at the crash, nothing else
    assert delivery_counts(db_path) == {"sent": 300}
    assert query(db_path, "SELECT status, total FROM broadcasts") == [("done", 300)]


async def test_killed_broadcast_is_finished_by_vigie_broadcast_resume(
    api: FakeBotApi, setup: tuple[Vigie, Path, Path]
) -> None:
    vigie, db_path, alert = setup
    in_flight = await send_and_kill(api, vigie, db_path, alert)

    proc, out, err = await vigie.start("broadcast", "resume", "1")
    await asyncio.wait_for(proc.wait(), 60)
    assert proc.returncode == 0, err.read_text()
    assert out.read_text().strip() == "broadcast 1: done; sent 300"
    assert_finished(api, db_path, in_flight)


async def test_killed_broadcast_is_finished_when_the_bot_starts(
    api: FakeBotApi, setup: tuple[Vigie, Path, Path], content: Content, tmp_path: Path
) -> None:
    vigie, db_path, alert = setup
    in_flight = await send_and_kill(api, vigie, db_path, alert)

    harness = Harness(api, content, tmp_path, VIGIE_BROADCAST_RATE=str(RATE))
    assert harness.db_path == db_path
    await harness.start()  # `vigie run`: resumes unfinished broadcasts at start-up
    try:
        await eventually(
            lambda: query(db_path, "SELECT status FROM broadcasts") == [("done",)],
            "the resumed broadcast to finish",
            timeout=60,
        )
        tasks = harness.app.bot_data["vigie_broadcasts"].tasks
        await eventually(lambda: tasks[1].done(), "the broadcast task to end", timeout=10)
    finally:
        await harness.stop()
    assert_finished(api, db_path, in_flight)
