"""How fast the broadcast sender itself goes, and how long a big broadcast takes to enqueue.

Messages per second: Broadcaster + the sender + SQLite, with the rate limit lifted
(RateLimiter(rate=100000)), against a lean Bot API responder on loopback in a child
process (`--full-fake` uses the full fake server of the tests, which is slower than the
sender). Two senders in the same run: Vigie's (`BotApiSender`, the JSON posted with one
keep-alive aiohttp session) and the baseline, python-telegram-bot's `send_message` for each
message. Every message is one sendMessage with the HTML alert and its unsubscribe
button, and its delivery row marked sent.

Enqueue: BroadcastQueue.create over 100,000 subscription rows (one transaction), plus the
queries a running broadcast repeats: the next batch (`due`) and the progress counts (`info`).

`python -m benchmarks.bench_broadcast` from the repo root (`--quick` for tiny sizes).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.broadcast.httpsender import BotApiSender
from bot.broadcast.limiter import RateLimiter
from bot.broadcast.queue import SENT, BroadcastQueue
from bot.broadcast.sender import Broadcaster
from bot.broadcast.telegram import TelegramSender
from bot.content.loader import load_content
from bot.core.content import Content
from bot.storage.database import Database

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "7000000001:AAF4ke-T0ken_for_benchmarks_only_01234567"
ALERT = (
    "Une campagne de courriels piégés vise des cabinets médicaux.\n\n"
    "• N'ouvrez pas les pièces jointes inattendues.\n"
    '<i>Plus d\'informations : <a href="https://www.cybermalveillance.gouv.fr">'
    "cybermalveillance.gouv.fr</a></i>"
)
# A minimal Bot API responder (HTTP/1.1 keep-alive, canned sendMessage answer): the full
# fake server validates HTML and builds real Message objects, and at ~650 requests/s it,
# not the sender, was the bottleneck. `--full-fake` measures against the full fake.
LEAN_SERVER = """
import asyncio, sys
sent = 0
BODY = (b'{"ok":true,"result":{"message_id":1,"date":0,'
        b'"chat":{"id":1,"type":"private"},"text":"x"}}')
ME = b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Vigie","username":"v_bot"}}'
HEAD = b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n"

async def serve(reader, writer):
    global sent
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = 0
            for line in head.split(b"\\r\\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            first = head.split(b"\\r\\n", 1)[0]
            body = ME if b"getMe" in first else BODY
            if b"sendMessage" in first:
                sent += 1
            writer.write(HEAD % len(body) + body)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()

async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    print("SENT", sent, flush=True)

asyncio.run(main())
"""
SERVER = """
import asyncio, sys
from tests.fakes.bot_api import FakeBotApi

async def main():
    async with FakeBotApi() as api:
        print("PORT", api.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        ok = sum(1 for c in api.calls if c.method == "sendMessage" and c.ok)
        print("SENT", ok, flush=True)

asyncio.run(main())
"""


async def _subscribe(db: Database, count: int, start: int = 1_000_000) -> float:
    began = time.perf_counter()
    await db.conn.executemany(
        "INSERT INTO subscriptions VALUES (?, 'fr', 'urgent', '2026-03-01')",
        [(start + i,) for i in range(count)],
    )
    return time.perf_counter() - began


async def _throughput(
    content: Content, db: Database, base_url: str, messages: int, concurrency: int,
    direct: bool = True,
) -> dict[str, Any]:
    queue = BroadcastQueue(db)
    broadcast_id = await queue.create(ALERT, "urgent")
    request = HTTPXRequest(
        connection_pool_size=max(32, concurrency), read_timeout=30, write_timeout=30
    )
    async with Bot(TOKEN, base_url=base_url, request=request) as bot:
        sender: Any = (
            BotApiSender(bot.base_url, content, "urgent", timeout=30, connections=concurrency)
            if direct
            else TelegramSender(bot, content, "urgent")
        )
        broadcaster = Broadcaster(
            queue,
            sender,
            RateLimiter(rate=100_000),
            unsubscribe=lambda chat: asyncio.sleep(0),
            concurrency=concurrency,
        )
        began = time.perf_counter()
        try:
            final = await broadcaster.run(broadcast_id)
        finally:
            await broadcaster.close()
        elapsed = time.perf_counter() - began
    sent = final.counts.get(SENT, 0) if final else 0
    if sent != messages:
        raise RuntimeError(f"concurrency {concurrency}: {sent} of {messages} sent")
    return {
        "sender": "bot_api_json" if direct else "ptb_send_message",
        "concurrency": concurrency,
        "messages": sent,
        "seconds": round(elapsed, 2),
        "messages_per_s": round(sent / elapsed),
    }


async def _enqueue(recipients: int, folder: Path) -> dict[str, Any]:
    async with Database(folder / "enqueue.db") as db:
        insert = await _subscribe(db, recipients)
        queue = BroadcastQueue(db)
        began = time.perf_counter()
        broadcast_id = await queue.create(ALERT, "urgent")
        create = time.perf_counter() - began
        info = await queue.info(broadcast_id)
        if info is None or info.total != recipients:
            raise RuntimeError(f"enqueued {info and info.total} of {recipients}")
        began = time.perf_counter()
        for _ in range(5):
            await queue.due(broadcast_id, time.time(), 32)
        due = (time.perf_counter() - began) / 5
        began = time.perf_counter()
        await queue.info(broadcast_id)
        counts = time.perf_counter() - began
    return {
        "recipients": recipients,
        "insert_subscriptions_s": round(insert, 3),
        "enqueue_s": round(create, 3),
        "due_batch_ms": round(due * 1000, 2),
        "info_ms": round(counts * 1000, 2),
    }


async def _main(quick: bool, full_fake: bool = False) -> dict[str, Any]:
    messages = 300 if quick else 5_000
    recipients = 5_000 if quick else 100_000
    content = load_content(ROOT)
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVER if full_fake else LEAN_SERVER, cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert server.stdout is not None and server.stdin is not None
    rows: list[dict[str, Any]] = []
    try:
        line = (await asyncio.wait_for(server.stdout.readline(), 30)).decode().split()
        if line[:1] != ["PORT"]:
            raise RuntimeError(f"the fake Bot API did not start: {line}")
        base_url = f"http://127.0.0.1:{line[1]}/bot"
        with tempfile.TemporaryDirectory() as tmp:
            async with Database(Path(tmp) / "throughput.db") as db:
                await _subscribe(db, messages)
                # The sender Vigie uses (JSON straight to the Bot API), and the baseline of
                # the same run: python-telegram-bot's send_message for every message.
                for direct, concurrency in ((True, 8), (True, 32), (False, 8)):
                    rows.append(
                        await _throughput(content, db, base_url, messages, concurrency, direct)
                    )
            enqueue = await _enqueue(recipients, Path(tmp))
        server.stdin.close()
        tail = (await asyncio.wait_for(server.stdout.read(), 30)).decode().split()
        received = int(tail[tail.index("SENT") + 1])
    finally:
        if server.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                server.kill()
        await server.wait()
    if received != messages * len(rows):
        raise RuntimeError(f"the fake received {received} messages, not {messages * len(rows)}")
    default = max((r for r in rows if r["sender"] == "bot_api_json"),
                  key=lambda r: r["messages_per_s"])
    baseline = next(r for r in rows if r["sender"] == "ptb_send_message")
    return {
        "server": "full fake Bot API" if full_fake else "lean loopback responder",
        "messages_per_s": default["messages_per_s"],
        "vs_ptb_send_message": round(default["messages_per_s"] / baseline["messages_per_s"], 2),
        "throughput": rows,
        "enqueue": enqueue,
    }


def table(result: dict[str, Any]) -> str:
    lines = ["sender            concurrency  messages  seconds  msg/s"]
    for row in result["throughput"]:
        lines.append(
            f"{row['sender']:<16}  {row['concurrency']:>11}  {row['messages']:>8}"
            f"  {row['seconds']:>7}  {row['messages_per_s']:>5}"
        )
    e = result["enqueue"]
    lines.append(
        f"enqueue {e['recipients']:,} recipients: {e['enqueue_s']} s "
        f"(subscriptions inserted in {e['insert_subscriptions_s']} s); "
        f"next batch {e['due_batch_ms']} ms, progress counts {e['info_ms']} ms"
    )
    return "\n".join(lines)


def run(quick: bool = False, full_fake: bool = False) -> dict[str, Any]:
    result = asyncio.run(_main(quick, full_fake))
    print(table(result), flush=True)
    return result


if __name__ == "__main__":
    run(quick="--quick" in sys.argv, full_fake="--full-fake" in sys.argv)
