"""What a security alert looks like to members, and whether Telegram can carry it.

Telegram refuses a message whose text is over 4,096 UTF-16 code units once its HTML is
parsed (tags removed, entities decoded). An alert is one message, never split: its
length, header included, is checked before anything is queued.
"""

from __future__ import annotations

from bot.core.content import Association
from bot.core.html import escape, visible_text
from bot.core.limits import LANGUAGES, MAX_MESSAGE_LENGTH


def alert_body(association: Association, text: str, category: str, lang: str) -> str:
    """The alert's text as members see it: a header with the category, then `text`."""
    found = association.category(category)
    label = found.labels.get(lang, category) if found else category
    header = "🔔 <b>Alerte sécurité</b>" if lang == "fr" else "🔔 <b>Security alert</b>"
    return f"{header} · {escape(label)}\n\n{text}"


def telegram_length(html_text: str) -> int:
    """The length Telegram counts: visible text, in UTF-16 code units."""
    return len(visible_text(html_text).encode("utf-16-le")) // 2


def longest_alert(association: Association, text: str, category: str | None = None) -> int:
    """The longest this alert can be in any language (and any category, if None)."""
    categories = [category] if category else [c.id for c in association.alert_categories]
    return max(
        telegram_length(alert_body(association, text, cat, lang))
        for cat in categories
        for lang in LANGUAGES
    )


def too_long(length: int) -> bool:
    return length > MAX_MESSAGE_LENGTH


def too_long_fr(length: int) -> str:
    """One sentence for an editor or the admin (French, like the rest of their interface)."""
    return (
        f"texte trop long pour Telegram : l'alerte ferait {length} caractères avec son "
        f"en-tête, et Telegram en accepte au plus {MAX_MESSAGE_LENGTH:,}".replace(",", " ")
        + " ; raccourcissez-le"
    )
