"""Send alerts straight to the Bot API with one keep-alive aiohttp session.

Profiling the broadcast benchmark showed python-telegram-bot and httpx
spending about 2 ms of CPU per message: PTB encodes every parameter and
builds a full `Message` object from each answer, and httpcore's connection
pool does per-request bookkeeping. Posting the JSON ourselves with httpx
reached ~850 messages/s; with aiohttp's client, ~3,200/s in the same
benchmark (`benchmarks/bench_broadcast.py`). Interactive replies still go
through python-telegram-bot.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.broadcast.alert import is_gone, is_refused_text, render_alert
from bot.broadcast.sender import Gone, Permanent, RetryLater, TextRefused, Transient
from bot.core import callbacks
from bot.core.content import Content
from bot.core.html import visible_text


class BotApiSender:
    def __init__(self, endpoint: str, content: Content, category: str, *,
                 timeout: float = 15.0, connections: int = 16):
        """`endpoint` is the bot's base URL with the token, e.g. PTB's `bot.base_url`."""
        self.url = endpoint.rstrip("/") + "/sendMessage"
        self.content = content
        self.category = category
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 10.0))
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # created inside the running event loop
            connector = aiohttp.TCPConnector(limit=self.connections)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self.timeout)
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, chat_id: int, text: str, lang: str) -> None:
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
            await self._post(payload)
        except TextRefused:
            # Once more as plain text, what members read anyway: only a text Telegram
            # refuses in any form stops the broadcast.
            del payload["parse_mode"]
            payload["text"] = visible_text(body)
            await self._post(payload)

    async def _post(self, payload: dict[str, Any]) -> None:
        try:
            async with self._client().post(self.url, json=payload) as response:
                status = response.status
                reason = response.reason or ""
                try:
                    data = await response.json(content_type=None)
                except ValueError:
                    data = {}
        # Never the exception's own text: aiohttp's carries the URL, and the URL the token.
        except TimeoutError as exc:
            raise Transient(f"TimedOut ({type(exc).__name__})") from exc
        except aiohttp.ClientError as exc:
            raise Transient(f"NetworkError ({type(exc).__name__})") from exc
        if not isinstance(data, dict):
            data = {}
        if status == 200 and data.get("ok"):
            return
        code = data.get("error_code")
        if data.get("ok") is not False or not isinstance(code, int):
            # Not Telegram's answer but a proxy's, a firewall's, a load balancer's page:
            # it says nothing about the chat, so never "gone", whatever its status.
            raise Transient(f"HTTP {status} {reason} (not an answer from Telegram)")
        description = str(data.get("description") or reason)
        if code == 429:
            retry = (data.get("parameters") or {}).get("retry_after", 1)
            raise RetryLater(float(retry))
        if code == 403 or (code == 400 and is_gone(description)):
            raise Gone(description)
        if code == 400 and is_refused_text(description):
            raise TextRefused(description)
        if code >= 500:
            raise Transient(f"HTTP {code}: {description}")
        raise Permanent(description)
