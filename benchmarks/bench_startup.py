"""Start-up time (process start to ready) and resident memory after 10,000 conversations.

"Ready" is what `vigie run` has done before its first getUpdates: imports,
content loaded and validated, the Application built, the matcher built (in its
`post_init`; counted since 5 December 2026, 23:15, before which this figure stopped
short of it). With the encoder: until semantic matching is ready too (content
indexed for words, model loaded, phrasing vectors read from the warm cache,
semantic index built). Memory after 10,000 conversations is measured with words
only and with the encoder (each member asks one of the held-out questions of
tests/eval/questions.yaml, then starts the breach flow). Baselines in the same
run: a bare `python -c pass`, and `import telegram` alone.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
READY = """
import os
from pathlib import Path
from bot.adapters.telegram.runner import create_application
from bot.cli import load
from bot.core.assistant import Assistant
from bot.settings import Settings
settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:X", "VIGIE_SECRET": "s" * 32,
                              "VIGIE_DB": os.environ["BENCH_DB"]})
content = load(settings)
create_application(settings, content)
Assistant(content)  # what the Application's post_init builds before the first update
"""

READY_SEMANTIC = """
import os
from pathlib import Path
from bot.adapters.semantic.e5 import load_encoder
from bot.adapters.telegram.runner import create_application
from bot.cli import load
from bot.core.assistant import Assistant
from bot.settings import Settings
settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:X", "VIGIE_SECRET": "s" * 32,
                              "VIGIE_DB": os.environ["BENCH_DB"]})
encoder = load_encoder(True, Path(os.environ["BENCH_CACHE"]))  # as `vigie run` does
content = load(settings)
create_application(settings, content, encoder=encoder)
assistant = Assistant(content)  # what the Application's post_init builds: words only
# What add_semantic then does: the same lexical index, with the encoder.
assert encoder is not None and assistant.matcher.with_encoder(encoder).semantic
"""

CONVERSATIONS = """
import asyncio, json, os, sys
from pathlib import Path
from benchmarks.common import rss_mb
from bot.cli import load
from bot.core.assistant import Assistant
from bot.core.events import Event
from bot.service import Actor, FloodGuard, Vigie
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.stores import SqliteSessions, SqliteStats, SqliteSubscriptions

import yaml

async def main(n, semantic):
    content = load(Settings.from_env({}))
    encoder = None
    if semantic:
        from bot.adapters.semantic.e5 import load_encoder
        encoder = load_encoder(True, Path(os.environ["BENCH_CACHE"]))
    questions = [str(i["q"]) for i in yaml.safe_load(
        Path("tests/eval/questions.yaml").read_text(encoding="utf-8"))]
    async with Database(os.environ["BENCH_DB"]) as db:
        service = Vigie(Assistant(content, None, encoder), secret=b"s" * 32,
                        sessions=SqliteSessions(db),
                        subscriptions=SqliteSubscriptions(db), stats=SqliteStats(db),
                        flood=FloodGuard(limit=10**6))
        await service.handle(Actor(1, 1), Event("text", "bonjour"))
        ready = rss_mb()
        for user in range(100, 100 + n):
            actor = Actor(user, user)
            question = questions[user % len(questions)]
            await service.handle(actor, Event("text", question))
            replies = await service.handle(actor, Event("command", "notifier"))
            first = replies[-1].all_buttons()[0].data
            await service.handle(actor, Event("press", first))
        print(json.dumps({"ready_mb": ready, "after_mb": rss_mb()}))

asyncio.run(main(int(sys.argv[1]), sys.argv[2] == "semantic"))
"""


def _wall(args: list[str], env: dict[str, str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, cwd=ROOT, env=env, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def run(quick: bool = False, tmp: Path | None = None) -> dict[str, Any]:
    import tempfile

    repeat = 2 if quick else 5
    conversations = 200 if quick else 10_000
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, BENCH_DB=str(Path(folder) / "bench.db"), PTB_TIMEDELTA="true",
                   BENCH_CACHE=str(Path(folder) / "semantic-cache"))
        py = sys.executable
        bare = _wall([py, "-c", "pass"], env, repeat)
        ptb = _wall([py, "-c", "import telegram.ext"], env, repeat)
        ready = _wall([py, "-c", READY], env, repeat)
        ready_semantic = _wall([py, "-c", READY_SEMANTIC], env, repeat)  # the seed is warm

        def conversations_rss(mode: str) -> dict[str, float]:
            Path(env["BENCH_DB"]).unlink(missing_ok=True)
            out = subprocess.run([py, "-c", CONVERSATIONS, str(conversations), mode],
                                 check=True, cwd=ROOT, env=env, capture_output=True,
                                 text=True).stdout
            return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]

        memory = conversations_rss("words")
        semantic = conversations_rss("semantic")
    ready_s = statistics.median(ready)
    return {
        "startup_semantic_s": round(statistics.median(ready_semantic), 3),
        "rss_ready_semantic_mb": round(semantic["ready_mb"], 1),
        "rss_after_semantic_mb": round(semantic["after_mb"], 1),
        "startup_s": round(ready_s, 3),
        "python_bare_s": round(statistics.median(bare), 3),
        "import_ptb_s": round(statistics.median(ptb), 3),
        "startup_vs_import_ptb": round(ready_s / statistics.median(ptb), 2),
        "conversations": conversations,
        "rss_ready_mb": round(memory["ready_mb"], 1),
        "rss_after_mb": round(memory["after_mb"], 1),
        "rss_growth_mb": round(memory["after_mb"] - memory["ready_mb"], 1),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
