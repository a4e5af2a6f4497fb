"""The transport-neutral reply model: what the core says, before any adapter renders it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.drafts.model import DraftDocument


@dataclass(frozen=True)
class Button:
    """A button: its label, and the compact callback data the core will decode."""

    label: str
    data: str


@dataclass(frozen=True)
class Document:
    """A file the member takes away: its model (an adapter writes the file) and what it is for."""

    draft: DraftDocument
    caption: str = ""

    @property
    def filename(self) -> str:
        return self.draft.filename


@dataclass(frozen=True)
class Reply:
    """One message: Telegram-HTML text, rows of buttons, and maybe documents (sent after it)."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    documents: tuple[Document, ...] = ()
    # Adapters that can edit the message the button was pressed on may do so.
    replace: bool = False
    # Sent as one message, never split (an alert's preview must be exactly the alert).
    whole: bool = False

    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


def rows(buttons: list[Button], per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Lay out buttons in rows of `per_row`."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


@dataclass
class Outcome:
    """The result of one event: replies to send and side effects for the adapters."""

    replies: list[Reply] = field(default_factory=list)
    effects: list[object] = field(default_factory=list)
