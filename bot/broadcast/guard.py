"""When a broadcast stops itself instead of doing damage.

Two answers would otherwise harm every subscriber at once:
- "gone" (403, chat not found) for every chat: a wrong token (another bot, that nobody
  started) or a misbehaving network would unsubscribe the whole list for good. So "gone"
  is trusted only once Telegram has accepted a message of this run; until then the chats
  are held, and if the first `quorum` results are all "gone", the broadcast pauses with
  their subscriptions intact.
- Telegram refusing the text itself (entities, length), even in plain text: every member
  would get the same answer, so the broadcast pauses at the first one.
"""

from __future__ import annotations

from dataclasses import dataclass

GONE_QUORUM = 20


@dataclass(frozen=True)
class Suspension:
    """Why a broadcast paused itself: `gone` (the first `count` chats all "gone") or
    `refused` (Telegram's `description` of why it refused the text)."""

    kind: str
    count: int = 0
    description: str = ""


class GoneGuard:
    def __init__(self, quorum: int):
        self.quorum = quorum
        self.trusted = quorum <= 0
        self.tripped = False
        self._held: list[int] = []

    def gone(self, chat_id: int) -> list[int]:
        """Telegram says `chat_id` is gone: the chats to unsubscribe now (none while held)."""
        if self.trusted:
            return [chat_id]
        self._held.append(chat_id)
        if len(self._held) >= self.quorum:
            self.tripped = True
        return []

    def accepted(self) -> list[int]:
        """Telegram accepted a message: "gone" is believed from now on, held chats included."""
        if self.tripped:
            return []
        self.trusted = True
        return self.take_held()

    def finished(self) -> list[int]:
        """The run ended without tripping: the held chats were really gone."""
        return [] if self.tripped else self.take_held()

    def take_held(self) -> list[int]:
        held, self._held = self._held, []
        return held
