"""Updates per second through the real python-telegram-bot Application, the core and SQLite.

The network is replaced by an in-process `BaseRequest` that answers Bot API
calls from memory; everything else is `vigie run`'s code path
(`create_application`): PTB's update processing, the handler, the service,
the matcher or the flow engine, and the session written to SQLite at each
step. Pinned to one core. Questions are the held-out questions of
tests/eval/questions.yaml in turn, answered twice: with the sentence encoder
(as `vigie run` answers once its index is ready) and with words only
(`VIGIE_SEMANTIC=off`). Baseline in the same run: the same Application with a
handler that only sends "ok" (PTB's own cost).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest, RequestData

ROOT = Path(__file__).resolve().parent.parent
BOT = {"id": 7000000001, "is_bot": True, "first_name": "Vigie", "username": "vigie_bench_bot"}


class InProcessRequest(BaseRequest):
    """Answers Bot API methods from memory; remembers the last keyboard per chat."""

    def __init__(self) -> None:
        self.keyboards: dict[int, list[list[dict[str, Any]]]] = {}
        self.calls = 0
        self._message_id = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        self.calls += 1
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if name == "getMe":
            result: Any = BOT
        elif name in {"sendMessage", "editMessageText", "sendDocument"}:
            chat_id = int(params["chat_id"])
            markup = params.get("reply_markup")
            if markup:
                loaded = json.loads(markup) if isinstance(markup, str) else markup
                self.keyboards[chat_id] = loaded.get("inline_keyboard", [])
            self._message_id += 1
            result = {"message_id": self._message_id, "date": int(time.time()),
                      "chat": {"id": chat_id, "type": "private"}, "from": BOT,
                      "text": str(params.get("text", ""))}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


def _message(update_id: int, user: int, text: str) -> dict[str, Any]:
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if (
        text.startswith("/")) else []
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text, "entities": entities,
        "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "M", "language_code": "fr"}}}


def _press(update_id: int, user: int, data: str) -> dict[str, Any]:
    return {"update_id": update_id, "callback_query": {
        "id": str(update_id), "chat_instance": "1", "data": data,
        "from": {"id": user, "is_bot": False, "first_name": "M", "language_code": "fr"},
        "message": {"message_id": 1, "date": int(time.time()), "text": "q", "from": BOT,
                    "chat": {"id": user, "type": "private"}}}}


async def _feed(app: Application, updates: list[dict[str, Any]]) -> float:  # type: ignore[type-arg]
    start = time.perf_counter()
    for raw in updates:
        await app.process_update(Update.de_json(raw, app.bot))
    return time.perf_counter() - start


def _held_out_questions() -> list[str]:
    raw = yaml.safe_load((ROOT / "tests" / "eval" / "questions.yaml").read_text("utf-8"))
    return [str(item["q"]) for item in raw]


async def _semantic_ready(app: Application, seconds: float = 300.0) -> None:  # type: ignore[type-arg]
    """Wait until the service answers with the encoder (its index is built in a thread)."""
    from bot.adapters.telegram.handlers import SERVICE_KEY

    deadline = time.monotonic() + seconds
    while not app.bot_data[SERVICE_KEY].assistant.matcher.semantic:
        if time.monotonic() > deadline:
            raise RuntimeError("the semantic index was not ready in time")
        await asyncio.sleep(0.1)


async def _vigie(n: int, db_path: Path, semantic: bool) -> dict[str, float]:
    from bot.adapters.semantic.e5 import load_encoder
    from bot.adapters.telegram.runner import create_application
    from bot.content.loader import load_content
    from bot.settings import Settings

    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:BENCH", "VIGIE_DB": str(db_path),
                                  "VIGIE_SECRET": "b" * 32, "VIGIE_FLOOD_LIMIT": "1000000",
                                  "VIGIE_CONSOLE_PORT": "0",
                                  "VIGIE_SEMANTIC": "on" if semantic else "off"})
    request = InProcessRequest()
    encoder = load_encoder(settings.semantic, settings.semantic_cache)  # as `vigie run` does
    app = create_application(settings, load_content(ROOT), request, encoder=encoder)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    if semantic:
        await _semantic_ready(app)
    try:
        users = range(10_000, 10_000 + n)
        texts = _held_out_questions()
        questions = [_message(i, u, texts[i % len(texts)]) for i, u in enumerate(users)]
        q_time = await _feed(app, questions)
        starts = [_message(n + i, u, "/notifier") for i, u in enumerate(users)]
        await _feed(app, starts)
        presses = []
        for i, u in enumerate(users):
            data = request.keyboards[u][0][0]["callback_data"]  # "Oui" on question 1
            presses.append(_press(2 * n + i, u, data))
        p_time = await _feed(app, presses)
    finally:
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
        await app.shutdown()
    return {"question_ups": n / q_time, "button_ups": n / p_time}


async def _baseline(n: int) -> float:
    request = InProcessRequest()
    app = Application.builder().token("1:BASE").request(request).get_updates_request(
        request).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, "ok")

    app.add_handler(TypeHandler(Update, echo))
    await app.initialize()
    try:
        elapsed = await _feed(app, [_message(i, 20_000 + i, "bonjour") for i in range(n)])
    finally:
        await app.shutdown()
    return n / elapsed


def run(quick: bool = False) -> dict[str, Any]:
    n = 100 if quick else 2000
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    with tempfile.TemporaryDirectory() as tmp:
        vigie = asyncio.run(_vigie(n, Path(tmp) / "bench.db", semantic=True))
    with tempfile.TemporaryDirectory() as tmp:
        words = asyncio.run(_vigie(n, Path(tmp) / "bench.db", semantic=False))
    base = asyncio.run(_baseline(n))
    return {
        "updates": n,
        "question_updates_per_s": round(vigie["question_ups"], 1),
        "button_updates_per_s": round(vigie["button_ups"], 1),
        "question_updates_per_s_words_only": round(words["question_ups"], 1),
        "ptb_echo_baseline_per_s": round(base, 1),
        "question_vs_baseline": round(vigie["question_ups"] / base, 3),
        "question_vs_words_only": round(vigie["question_ups"] / words["question_ups"], 3),
        "button_vs_baseline": round(vigie["button_ups"] / base, 3),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
