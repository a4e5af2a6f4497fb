"""Admin commands (the service has already checked the sender's numeric id).

/reload re-reads the content: if it is invalid, the bot keeps serving the old
content and the admin is told exactly why. Loading and building the matcher take
seconds of CPU, so they run in a worker thread: members keep being answered from
the current content, which is swapped in one assignment once the new one is ready.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.content.errors import Problem
from bot.core.assistant import Assistant, unknown_command
from bot.core.commands import canonical_command
from bot.core.content import Content
from bot.core.events import Event
from bot.core.html import escape
from bot.core.reply import Reply
from bot.service import Actor, Vigie

log = logging.getLogger("vigie.admin")
Loader = Callable[[], tuple[Content | None, list[Problem]]]


class AdminCommands:
    def __init__(self, service: Vigie, reload: Loader):
        self.service = service
        self._load = reload
        self.broadcasts: object | None = None  # set by bot.broadcast when available
        self._one_at_a_time = asyncio.Lock()
        # Set by bot.web when the console is served: a fresh one-time link for this admin.
        self.console_link: Callable[[Actor], str] | None = None

    async def reload(self) -> tuple[bool, list[Problem]]:
        async with self._one_at_a_time:
            assistant, problems = await asyncio.to_thread(self._build)
        if assistant is None:
            log.error(
                "content reload refused: %d problem(s); keeping the current content",
                len([p for p in problems if not p.warning]),
            )
            return False, problems
        self.service.assistant = assistant  # atomic: an update sees the old or the new one
        log.info("content reloaded (version %s)", assistant.content.version)
        return True, problems

    def use(self, content: Content) -> None:
        """Serve `content` from now on (already checked by the caller). The loaded
        sentence encoder, if any, embeds only the phrasings it has not seen yet."""
        self.service.assistant = Assistant(content, encoder=self.service.encoder)
        log.info("content reloaded (version %s)", content.version)

    def _build(self) -> tuple[Assistant | None, list[Problem]]:
        """In a worker thread: read and check the content, then build its matcher (the
        loaded sentence encoder, if any, embeds only the phrasings it has not seen yet)."""
        content, problems = self._load()
        if content is None:
            return None, problems
        return Assistant(content, encoder=self.service.encoder), problems

    async def handle(self, actor: Actor, event: Event, lang: str) -> list[Reply]:
        name = canonical_command(event.value) if event.kind == "command" else None
        if name == "reload":
            if not actor.private:  # its result, errors included, is for the admin only
                return [Reply(self.service.content.ui.get("group.private_only", lang))]
            ok, problems = await self.reload()
            if ok:
                version = self.service.content.version
                return [Reply(f"✅ Contenu rechargé (version {version}).")]
            errors = [str(p) for p in problems if not p.warning][:15]
            listing = escape("\n".join(errors))
            return [Reply(f"❌ Contenu invalide : je garde l'ancien.\n<pre>{listing}</pre>")]
        if name == "console":
            return [self._console(actor, lang)]
        handler = getattr(self.broadcasts, "handle", None)
        if handler is not None:
            replies: list[Reply] = await handler(actor, event, lang)
            return replies
        return [unknown_command(self.service.content, lang)]

    def _console(self, actor: Actor, lang: str) -> Reply:
        if not actor.private:  # a link in a group could be used by anyone who reads it
            return Reply(self.service.content.ui.get("group.private_only", lang))
        if self.console_link is None:
            return Reply("La console web est désactivée sur ce serveur (VIGIE_CONSOLE_PORT=0).")
        url = escape(self.console_link(actor))
        return Reply(
            f'🔐 <a href="{url}">Ouvrir la console Vigie</a>\n{url}\n\n'
            "Lien personnel, valable 10 minutes et utilisable une seule fois : "
            "ne le transférez pas."
        )
