"""Members are served at once; semantic matching joins when its index is ready.

Indexing the content is quick when the phrasing vectors are cached, but the
very first start (or a new model) embeds every phrasing: minutes. Meanwhile
the service answers with lexical matching, then switches. The work runs in a
daemon thread, so that quitting `vigie chat` or stopping the bot never waits
for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from bot.core.assistant import Assistant
from bot.core.matching.semantic import Encoder
from bot.service import Vigie

log = logging.getLogger("vigie.semantic")


async def add_semantic(service: Vigie, encoder: Encoder) -> None:
    service.encoder = encoder  # from now on, every /reload builds a semantic matcher
    content = service.content
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[Assistant] = loop.create_future()

    def settle(result: Assistant | None, error: Exception | None) -> None:
        if ready.done():
            return
        if error is not None:
            ready.set_exception(error)
        else:
            ready.set_result(result)  # type: ignore[arg-type]

    lexical = service.assistant.matcher

    def build() -> None:
        try:
            result, error = Assistant(content, lexical.with_encoder(encoder)), None
        except Exception as exc:  # a model that fails on real text: stay lexical, say so
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody waits
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=build, name="vigie-semantic-index", daemon=True).start()
    try:
        upgraded = await ready
    except Exception as exc:
        log.warning("semantic index not built (%s): lexical matching only", exc)
        service.encoder = None
        return
    if service.content is content:  # no /reload meanwhile (it used the encoder already)
        service.assistant = upgraded
        log.info("semantic matching ready")
