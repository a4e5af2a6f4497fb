"""The application service: load the session, call the core, apply effects, save.

Adapters (Telegram, console) call `Vigie.handle` with who is speaking and what
happened. Sessions are keyed by HMAC(user id); in groups nothing is stored per
member. One member's updates are handled in order; different members run
concurrently; a flood from one member never delays another.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core import callbacks
from bot.core.assistant import Assistant, unknown_command, user_language
from bot.core.commands import ADMIN_COMMANDS, canonical_command
from bot.core.events import (
    CancelReminders,
    Context,
    CountEvent,
    CountTopic,
    Event,
    Forget,
    RemindBefore,
    Subscribe,
    Subscription,
    Unmatched,
    Unsubscribe,
)
from bot.core.matching.semantic import Encoder
from bot.core.reply import Reply
from bot.core.session import Session
from bot.core.whoami import whoami_reply
from bot.privacy.keys import user_key
from bot.privacy.redact import redact
from bot.storage.reminders import ReminderStore
from bot.storage.stores import SessionStore, StatsStore, SubscriptionStore
from bot.storage.unmatched import UnmatchedLog

log = logging.getLogger("vigie")
Clock = Callable[[], datetime]
#: Updates of one member that may wait in the transport's own task, behind the one
#: being handled; later ones wait in a task of their own (security review L3).
MAX_WAITING_PER_MEMBER = 2


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """Who sent the update. `user_id` is only used to derive the key and check admins."""

    user_id: int
    chat_id: int
    user_lang: str | None = None
    private: bool = True


AdminHandler = Callable[[Actor, Event, str], Awaitable[list[Reply]]]
Deliver = Callable[[list[Reply]], Awaitable[None]]


class FloodGuard:
    """At most `limit` updates per `window` seconds per member; the first excess gets a notice."""

    def __init__(
        self, limit: int = 20, window: float = 10.0, clock: Callable[[], float] = time.monotonic
    ):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._warned: set[str] = set()

    def check(self, key: str) -> str:
        """'ok', 'warn' (first refusal: send the notice) or 'drop'."""
        now = self.clock()
        hits = self._hits[key]
        while hits and now - hits[0] > self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            if key in self._warned:
                return "drop"
            self._warned.add(key)
            return "warn"
        self._warned.discard(key)
        hits.append(now)
        if len(self._hits) > 10_000:
            self._forget_idle(now)
        return "ok"

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or now - v[-1] > self.window]:
            del self._hits[key]
            self._warned.discard(key)


class Vigie:
    def __init__(
        self,
        assistant: Assistant,
        *,
        secret: bytes,
        sessions: SessionStore,
        subscriptions: SubscriptionStore,
        stats: StatsStore,
        unmatched: UnmatchedLog | None = None,
        admin_ids: frozenset[int] = frozenset(),
        clock: Clock = utc_now,
        flood: FloodGuard | None = None,
        alerts_available: bool = True,
        reminders: ReminderStore | None = None,
    ):
        self.assistant = assistant
        # The sentence encoder once loaded (bot/adapters/semantic): reloads reuse it.
        self.encoder: Encoder | None = None
        self.secret = secret
        self.sessions = sessions
        self.subscriptions = subscriptions
        self.stats = stats
        self.unmatched = unmatched
        self.admin_ids = admin_ids
        self.clock = clock
        self.flood = flood or FloodGuard()
        self.alerts_available = alerts_available
        self.reminders = reminders
        self.admin_handler: AdminHandler | None = None
        # Set by the broadcast module: whether an admin's next text is an alert draft.
        self.admin_wants_text: Callable[[Actor], bool] | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._queued: dict[str, int] = {}  # updates waiting in their own task, per member
        self._background: set[asyncio.Task[list[Reply]]] = set()
        self.storage_hint = "check VIGIE_DB: free disk space, permissions, no other writer"

    @property
    def content(self):  # type: ignore[no-untyped-def]
        return self.assistant.content

    def is_admin(self, actor: Actor) -> bool:
        """Admin identity is the numeric user id only, checked on every update."""
        return actor.user_id in self.admin_ids

    def key(self, actor: Actor) -> str:
        return user_key(self.secret, actor.user_id)

    async def handle(
        self, actor: Actor, event: Event, deliver: Deliver | None = None
    ) -> list[Reply]:
        """Handle one update; `deliver`, if given, sends the replies while this member's
        lock is still held, so that a member sees replies in the order of their updates
        even when the transport completes concurrent sends out of order."""
        key = self.key(actor)
        verdict = self.flood.check(key)
        if verdict != "ok":
            if verdict == "drop":
                return []
            lang = user_language(Session(), Context(self.clock(), actor.user_lang))
            notice = [Reply(self.content.ui.get("flood.slow_down", lang))]
            if deliver is not None:
                await deliver(notice)
            return notice
        lock = self._locks.setdefault(key, asyncio.Lock())
        if deliver is not None and (
            self._queued.get(key) or len(lock._waiters or ()) >= MAX_WAITING_PER_MEMBER
        ):
            # Waiting here would hold one of the transport's few concurrency slots (PTB's
            # 64): a member typing faster than they are answered would starve the others.
            # The update waits its turn in a task of its own instead; order is kept.
            self._queue_behind(actor, event, key, lock, deliver)
            return []
        return await self._serve(actor, event, key, lock, deliver)

    def _queue_behind(
        self, actor: Actor, event: Event, key: str, lock: asyncio.Lock, deliver: Deliver
    ) -> None:
        self._queued[key] = self._queued.get(key, 0) + 1
        task = asyncio.create_task(self._serve(actor, event, key, lock, deliver))
        self._background.add(task)

        def done(finished: asyncio.Task[list[Reply]]) -> None:
            self._background.discard(finished)
            left = self._queued.pop(key, 1) - 1
            if left:
                self._queued[key] = left
            else:  # _serve's own clean-up ran while this update still counted as queued
                self._forget_idle_lock(key, lock)
            if not finished.cancelled() and finished.exception() is not None:
                error = finished.exception()
                log.error("error while handling a queued update: %s: %s",
                          type(error).__name__, error)

        task.add_done_callback(done)

    async def _serve(
        self, actor: Actor, event: Event, key: str, lock: asyncio.Lock, deliver: Deliver | None
    ) -> list[Reply]:
        try:
            async with lock:
                try:
                    replies = await self._handle(actor, event, key)
                except sqlite3.Error as exc:
                    # Locked by another process, disk full, file gone: nothing was committed,
                    # so the member's state is intact; the operator gets one clear line.
                    log.error("database unavailable (%s): %s; the member was asked to retry",
                              self.storage_hint, exc)
                    lang = user_language(Session(), Context(self.clock(), actor.user_lang))
                    replies = [Reply(self.content.ui.get("error.internal", lang))]
                if deliver is not None:
                    await deliver(replies)
                return replies
        finally:
            self._forget_idle_lock(key, lock)

    def _forget_idle_lock(self, key: str, lock: asyncio.Lock) -> None:
        """A member's lock goes once nobody holds it, waits for it or is queued behind it."""
        if (
            self._locks.get(key) is lock
            and not lock.locked()
            and not lock._waiters
            and not self._queued.get(key)
        ):
            self._locks.pop(key, None)

    async def stop(self, grace: float = 5.0) -> None:
        """At shutdown: give the updates still queued `grace` seconds, then cancel them
        (Telegram counts them as delivered: a cancelled one is never answered)."""
        queued = list(self._background)
        if queued:
            await asyncio.wait(queued, timeout=grace)
        for task in queued:
            task.cancel()
        await asyncio.gather(*queued, return_exceptions=True)

    async def _handle(self, actor: Actor, event: Event, key: str) -> list[Reply]:
        now = self.clock()
        stored = await self.sessions.get(key) if actor.private else None
        session = stored or Session()
        lang = user_language(session, Context(now, actor.user_lang))
        if event.kind == "command" and canonical_command(event.value) == "moi":  # stores nothing
            return [whoami_reply(self.content, actor.user_id, actor.private, lang)]
        if (
            event.kind == "text"
            and self.admin_handler is not None
            and self.admin_wants_text is not None
            and self.is_admin(actor)
            and self.admin_wants_text(actor)
        ):
            return await self.admin_handler(actor, event, lang)
        if self._is_admin_event(event):
            if not self.is_admin(actor):
                await self.stats.count_event(now.date().isoformat(), "admin_refused")
                return [unknown_command(self.content, lang)]
            if self.admin_handler is not None:
                return await self.admin_handler(actor, event, lang)
        subscription = None
        if self._needs_subscription(event):
            found = await self.subscriptions.get(actor.chat_id)
            subscription = Subscription(found.categories) if found else None
        ctx = Context(
            now,
            actor.user_lang,
            self.is_admin(actor),
            self.alerts_available,
            subscription,
            actor.private,
            reminders_available=self.reminders is not None,
        )
        before = session.to_json()
        had_flow = session.flow is not None
        try:
            if event.kind == "text":
                # Matching may call the sentence encoder (tens of ms, more on a busy
                # machine): off the event loop, so that it never delays another member.
                outcome = await asyncio.to_thread(self.assistant.handle, session, event, ctx)
            else:
                outcome = self.assistant.handle(session, event, ctx)
        except Exception:
            # The member's state is left exactly as it was before this update.
            log.exception("core failure on a %s update", event.kind)
            return [Reply(self.content.ui.get("error.internal", lang))]
        forgotten = await self._apply(outcome.effects, actor, key, now)
        if actor.private and not forgotten and session.to_json() != before:
            await self.sessions.put(key, session)
            if had_flow and session.flow is None:
                await self.sessions.scrub()  # a flow's answers are erased once it ends
        return outcome.replies

    def _is_admin_event(self, event: Event) -> bool:
        if event.kind == "command":
            return canonical_command(event.value) in ADMIN_COMMANDS
        if event.kind == "press":
            action = callbacks.decode(event.value)
            return action is not None and action.kind == "b"
        return False

    @staticmethod
    def _needs_subscription(event: Event) -> bool:
        if event.kind == "command":
            return canonical_command(event.value) == "alertes"
        return event.kind == "press" and event.value.startswith(f"{callbacks.VERSION}|a")

    async def _apply(self, effects: list[object], actor: Actor, key: str, now: datetime) -> bool:
        day = now.date().isoformat()
        forgotten = False
        for effect in effects:
            if isinstance(effect, Forget):
                await self.sessions.delete(key)
                # The member's own subscription, even when /oubli is sent in a group: only
                # a private chat subscribes, and its chat id is the member's id (review L1).
                if await self.subscriptions.get(actor.user_id) is not None:
                    await self.stats.count_event(day, "alerts_left")
                await self.subscriptions.delete(actor.user_id)
                if self.reminders is not None:
                    await self.reminders.cancel(actor.user_id)
                await self.sessions.scrub()
                forgotten = True
            elif isinstance(effect, Subscribe) and actor.private:
                # Anonymous counters (the console's subscribers over time), no chat id.
                if await self.subscriptions.get(actor.chat_id) is None:
                    await self.stats.count_event(day, "alerts_joined")
                await self.subscriptions.put(actor.chat_id, effect.lang, effect.categories)
            elif isinstance(effect, Unsubscribe):
                if await self.subscriptions.get(actor.chat_id) is not None:
                    await self.stats.count_event(day, "alerts_left")
                await self.subscriptions.delete(actor.chat_id)
                await self.sessions.scrub()
            elif isinstance(effect, RemindBefore) and actor.private:
                if self.reminders is not None:
                    await self.reminders.schedule(
                        actor.chat_id, effect.deadline, effect.times, effect.lang
                    )
            elif isinstance(effect, CancelReminders):
                if self.reminders is not None and await self.reminders.cancel(actor.chat_id):
                    await self.sessions.scrub()
            elif isinstance(effect, CountTopic):
                await self.stats.count_topic(day, effect.topic or "-", effect.decision)
            elif isinstance(effect, CountEvent):
                await self.stats.count_event(day, effect.name)
            elif isinstance(effect, Unmatched) and self.unmatched is not None:
                await self.unmatched.add(redact(effect.text), effect.lang, now.timestamp(), key)
        return forgotten

    async def purge(self, idle_days: int) -> int:
        """Erase sessions idle for more than `idle_days`, and expired unmatched entries."""
        cutoff = self.clock().timestamp() - idle_days * 86400
        removed = await self.sessions.purge(cutoff)
        if self.unmatched is not None:
            removed_questions = await self.unmatched.purge(self.clock().timestamp())
        else:
            removed_questions = 0
        if removed or removed_questions:
            await self.sessions.scrub()
        return removed
