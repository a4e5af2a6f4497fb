"""Conversation tests that read like conversations, against the service and real SQLite."""

from __future__ import annotations

from bot.core.events import Event
from bot.core.reply import Reply
from bot.service import Actor, Vigie


class CoreChat:
    def __init__(self, service: Vigie, user_id: int = 1001, lang: str = "fr",
                 private: bool = True):
        self.service = service
        self.actor = Actor(user_id, user_id if private else -500, lang, private)
        self.replies: list[Reply] = []

    async def _run(self, event: Event) -> list[Reply]:
        self.replies = await self.service.handle(self.actor, event)
        return self.replies

    async def send(self, text: str) -> list[Reply]:
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return await self._run(Event("command", name, args))
        return await self._run(Event("text", text))

    async def click(self, label: str) -> list[Reply]:
        return await self._run(Event("press", self.button(label)))

    async def click_data(self, data: str) -> list[Reply]:
        return await self._run(Event("press", data))

    async def media(self, kind: str = "sticker") -> list[Reply]:
        return await self._run(Event("media", kind))

    def button(self, label: str) -> str:
        buttons = [b for r in reversed(self.replies) for b in r.all_buttons()]
        for b in buttons:
            if b.label == label:
                return b.data
        for b in buttons:
            if b.label.lower().startswith(label.lower()) or label.lower() in b.label.lower():
                return b.data
        raise AssertionError(f"no button {label!r} in {[b.label for b in buttons]}")

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def labels(self) -> list[str]:
        return [b.label for r in self.replies for b in r.all_buttons()]
