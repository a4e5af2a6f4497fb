"""Send the reminders that are due: a loop in the bot, on the broadcasts' rate limit.

Each due row is sent, then deleted (with a scrub, as for every erasure): a restart or
a kill -9 loses none; only one in flight at the crash may be sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.adapters.telegram.handlers import keyboard
from bot.broadcast.limiter import RateLimiter
from bot.core import reminders
from bot.core.content import Content
from bot.storage.reminders import Reminder, ReminderStore

log = logging.getLogger("vigie")
CHECK_EVERY_SECONDS = 30.0
RETRY_AFTER_NETWORK_ERROR = 60.0
# A reminder that could not be sent for this long after its deadline is dropped.
GIVE_UP_AFTER = 86400.0


class ReminderSender:
    def __init__(
        self,
        store: ReminderStore,
        bot: Bot,
        content: Callable[[], Content],
        limiter: Callable[[], RateLimiter | None],
        clock: Callable[[], datetime],
    ):
        self.store = store
        self.bot = bot
        self.content = content
        self.limiter = limiter
        self.clock = clock
        # One pass at a time: two passes reading the same due rows would both send them.
        self._lock = asyncio.Lock()

    async def run_due(self) -> int:
        """Send every reminder due now; returns how many Telegram accepted."""
        async with self._lock:
            return await self._run_due()

    async def _run_due(self) -> int:
        now = self.clock().timestamp()
        sent = 0
        erased = False
        for reminder in await self.store.due(now):
            outcome = await self._send(reminder, now)
            if outcome == "gone":  # blocked or deleted: none of its reminders can arrive
                erased = bool(await self.store.cancel(reminder.chat_id)) or erased
            elif outcome in {"sent", "dropped"}:
                erased = bool(await self.store.sent(reminder)) or erased
            sent += outcome == "sent"
        if erased:
            await self.store.scrub()  # the chat id must not linger in the WAL
        return sent

    async def _send(self, reminder: Reminder, now: float) -> str:
        if now > max(reminder.deadline, reminder.due_at) + GIVE_UP_AFTER:
            return "dropped"
        reply = reminders.message(self.content(), reminder.deadline, reminder.lang, now)
        limiter = self.limiter()
        if limiter is not None:
            await limiter.acquire(reminder.chat_id)
        try:
            await self.bot.send_message(
                reminder.chat_id,
                reply.text,
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
                reply_markup=keyboard(reply),
            )
        except RetryAfter as exc:
            after = exc.retry_after
            wait = after.total_seconds() if isinstance(after, timedelta) else float(after)
            if limiter is not None:
                limiter.pause(wait)
            await self.store.postpone(reminder, now + wait)
            return "later"
        except Forbidden:
            log.info("a member who asked for reminders blocked the bot; their reminders erased")
            return "gone"
        except BadRequest as exc:
            # Chat not found, or refused for good: this reminder can never arrive.
            log.info("a reminder was refused (%s); erased", type(exc).__name__)
            return "gone" if "chat not found" in str(exc).lower() else "dropped"
        except NetworkError as exc:
            log.warning("a reminder will be retried: %s", type(exc).__name__)
            await self.store.postpone(reminder, now + RETRY_AFTER_NETWORK_ERROR)
            return "later"
        return "sent"

    async def loop(self, every: float = CHECK_EVERY_SECONDS) -> None:
        while True:
            try:
                await self.run_due()
            except Exception as exc:  # a locked database must not stop the bot
                log.error("sending reminders failed: %s", exc)
            await asyncio.sleep(every)
