"""`vigie run` as a real process against the fake Bot API server (crash and signal tests)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parent.parent


async def start_vigie(api: FakeBotApi, db: Path, **env: str) -> asyncio.subprocess.Process:
    """Start `python -m bot run` and return once it polls the fake server."""
    environment = dict(os.environ, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
                       TELEGRAM_API_BASE_URL=api.base_url, VIGIE_DB=str(db),
                       VIGIE_SECRET="k" * 32, PTB_TIMEDELTA="true",
                       # A fresh database folder has no phrasing vectors: minutes of embedding
                       # that these process tests do not need (tests/test_semantic.py has them).
                       **{"VIGIE_CONSOLE_PORT": "0", "VIGIE_SEMANTIC": "off", **env})
    calls_before = len(api.calls)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90  # about 3 s unloaded: generous for a busy machine
    while time.monotonic() < deadline:
        if any(c.method.lower() == "getupdates" for c in api.calls[calls_before:]):
            return process
        await asyncio.sleep(0.05)
    process.kill()
    raise AssertionError("vigie run did not start polling")


async def stop_vigie(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, then SIGKILL if it does not stop within 10 s."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()
        await process.wait()
