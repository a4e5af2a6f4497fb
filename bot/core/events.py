"""What adapters hand to the core (events, context) and what it hands back (effects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

EventKind = Literal["command", "text", "press", "media"]


@dataclass(frozen=True)
class Event:
    kind: EventKind
    # Command name without "/", the typed text, the callback data, or the media kind.
    value: str
    args: str = ""


@dataclass(frozen=True)
class Subscription:
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Context:
    now: datetime
    # The language Telegram reports for the user, when the session has none yet.
    user_lang: str | None = None
    is_admin: bool = False
    # Alerts can only be delivered by Telegram; the console says so.
    alerts_available: bool = True
    subscription: Subscription | None = None
    private_chat: bool = True
    # Deadline reminders need the bot's database and loop: not in the console.
    reminders_available: bool = True


# Effects: side effects the adapters carry out after the core has answered.


@dataclass(frozen=True)
class Forget:
    """Erase the session and the alert subscription now."""


@dataclass(frozen=True)
class RemindBefore:
    """Keep this chat's id, the CNIL deadline (a timestamp) and the language, only to send
    the reminders at `times` (timestamps): nothing about the breach."""

    deadline: float
    times: tuple[float, ...]
    lang: str


@dataclass(frozen=True)
class CancelReminders:
    """Erase this chat's reminders ("C'est fait, la CNIL est notifiée")."""


@dataclass(frozen=True)
class Subscribe:
    categories: tuple[str, ...]
    lang: str


@dataclass(frozen=True)
class Unsubscribe:
    pass


@dataclass(frozen=True)
class CountTopic:
    topic: str | None
    decision: str


@dataclass(frozen=True)
class CountEvent:
    """An anonymous counter, e.g. a verdict kind; never tied to a user."""

    name: str


@dataclass(frozen=True)
class Unmatched:
    """A question nothing matched; kept only if the operator enabled the redacted log."""

    text: str
    lang: str


@dataclass
class Effects:
    items: list[object] = field(default_factory=list)
