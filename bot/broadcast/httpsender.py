"""Send alerts straight to the Bot API with one keep-alive HTTP client.

Profiling the broadcast benchmark showed python-telegram-bot and httpx
spending about 2 ms of CPU per message: PTB encodes every parameter and
builds a full `Message` object from each answer, while a broadcast only needs
to know whether Telegram accepted it. This sender posts the JSON itself with
httpx (already a dependency of python-telegram-bot) and maps Telegram's error
answers to the sender's outcomes. Interactive replies still go through PTB.
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.broadcast.sender import Gone, Permanent, RetryLater, Transient
from bot.core import callbacks
from bot.core.content import Content

GONE_MARKERS = ("chat not found", "user is deactivated", "bot was kicked", "chat_id is empty",
                "peer_id_invalid", "have no rights to send", "bot was blocked")


class BotApiSender:
    def __init__(self, endpoint: str, content: Content, category: str, *,
                 timeout: float = 15.0, connections: int = 16):
        """`endpoint` is the bot's base URL with the token, e.g. PTB's `bot.base_url`."""
        self.url = endpoint.rstrip("/") + "/sendMessage"
        self.content = content
        self.category = category
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=connections,
                                max_keepalive_connections=connections),
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def send(self, chat_id: int, text: str, lang: str) -> None:
        from bot.broadcast.telegram import render_alert

        body, label = render_alert(self.content, text, self.category, lang)
        payload: dict[str, Any] = {
            "chat_id": chat_id,
            "text": body,
            "parse_mode": "HTML",
            "disable_web_page_preview": True,
            "reply_markup": {"inline_keyboard": [[
                {"text": label, "callback_data": callbacks.encode("a", "unsub")}
            ]]},
        }
        try:
            response = await self.client.post(self.url, json=payload)
        except httpx.TimeoutException as exc:
            raise Transient(f"TimedOut: {exc}") from exc
        except httpx.HTTPError as exc:
            raise Transient(f"NetworkError: {exc}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code == 200 and data.get("ok"):
            return
        code = int(data.get("error_code") or response.status_code)
        description = str(data.get("description") or response.reason_phrase)
        if code == 429:
            retry = (data.get("parameters") or {}).get("retry_after", 1)
            raise RetryLater(float(retry))
        if code == 403 or (code == 400 and any(m in description.lower() for m in GONE_MARKERS)):
            raise Gone(description)
        if code >= 500:
            raise Transient(f"HTTP {code}: {description}")
        raise Permanent(description)
