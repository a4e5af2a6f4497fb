"""The reminders table: a chat id, when to remind, the deadline, the language.

Durable like the broadcast queue: a reminder is written before the member is told it is
scheduled, and deleted only after Telegram accepted it; after a crash, only a reminder
in flight (sent, not yet deleted) can be sent twice, none is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database


@dataclass(frozen=True)
class Reminder:
    chat_id: int
    due_at: float
    deadline: float
    lang: str


class ReminderStore:
    def __init__(self, db: Database):
        self.db = db

    async def schedule(
        self, chat_id: int, deadline: float, times: tuple[float, ...], lang: str
    ) -> None:
        """Replace the chat's reminders (one deadline at a time) with those at `times`."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM reminders WHERE chat_id = ?", (chat_id,))
            await conn.executemany(
                "INSERT INTO reminders (chat_id, due_at, deadline, lang) VALUES (?, ?, ?, ?)",
                [(chat_id, due, deadline, lang) for due in times],
            )

    async def cancel(self, chat_id: int) -> int:
        """Erase the chat's reminders; the caller scrubs the database when rows went."""
        return await self.db.write("DELETE FROM reminders WHERE chat_id = ?", (chat_id,))

    async def due(self, now: float, limit: int = 100) -> list[Reminder]:
        rows = await self.db.fetchall(
            "SELECT chat_id, due_at, deadline, lang FROM reminders WHERE due_at <= ? "
            "ORDER BY due_at LIMIT ?",
            (now, limit),
        )
        return [
            Reminder(int(str(c)), float(str(d)), float(str(dl)), str(lg)) for c, d, dl, lg in rows
        ]

    async def sent(self, reminder: Reminder) -> int:
        """Delete a reminder Telegram accepted (or that can never be delivered)."""
        return await self.db.write(
            "DELETE FROM reminders WHERE chat_id = ? AND due_at = ?",
            (reminder.chat_id, reminder.due_at),
        )

    async def postpone(self, reminder: Reminder, until: float) -> None:
        """Telegram asked to wait, or the network failed: try again at `until`."""
        await self.db.write(
            "UPDATE OR IGNORE reminders SET due_at = ? WHERE chat_id = ? AND due_at = ?",
            (until, reminder.chat_id, reminder.due_at),
        )

    async def scrub(self) -> None:
        await self.db.scrub()
