"""What an alert looks like, and which Telegram answers mean a chat is gone for good.

Shared by both senders (python-telegram-bot's and the direct Bot API one).
"""

from __future__ import annotations

from bot.core.alerts import alert_body
from bot.core.content import Content

# Bad Request descriptions that mean the chat cannot receive anything any more.
GONE_MARKERS = (
    "chat not found",
    "user is deactivated",
    "bot was kicked",
    "bot was blocked",
    "chat_id is empty",
    "peer_id_invalid",
    "have no rights to send",
)


# Bad Request descriptions about the text itself: every member would get the same answer.
REFUSED_TEXT_MARKERS = (
    "can't parse entities",
    "entities",
    "message is too long",
    "message_too_long",
    "text is too long",
    "text is empty",
)


def is_gone(description: str) -> bool:
    lowered = description.lower()
    return any(marker in lowered for marker in GONE_MARKERS)


def is_refused_text(description: str) -> bool:
    lowered = description.lower()
    return any(marker in lowered for marker in REFUSED_TEXT_MARKERS)


def render_alert(content: Content, text: str, category: str, lang: str) -> tuple[str, str]:
    """The alert as members see it, and the label of its one-tap unsubscribe button."""
    body = alert_body(content.association, text, category, lang)
    return body, content.ui.get("alerts.unsubscribe", lang)
