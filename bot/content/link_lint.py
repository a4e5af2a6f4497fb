"""Warn about links a reviewer should look at twice.

A content editor controls every `<a href>` members see. `https://` is the only
scheme Vigie's own content needs; `http://` travels in clear and can be
rewritten on the way, `tg://` triggers an action inside Telegram, and anything
else (`javascript:`, `file:`, a bare domain) is at best a mistake. These are
warnings: the content still loads, and the review sees them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.core.html import link_targets


def link_warnings(text: str) -> list[str]:
    """One French sentence per link whose scheme is not https."""
    return [message for _, message in risky_links(text)]


def risky_links(text: str) -> list[tuple[str, str]]:
    """(href, French sentence) for each link whose scheme is not https."""
    warnings: list[tuple[str, str]] = []
    for target in link_targets(text):
        scheme = urlsplit(target.strip()).scheme.lower()
        if scheme == "https":
            continue
        shown = target if len(target) <= 60 else target[:57] + "…"
        if scheme == "http":
            why = "un lien http:// passe en clair et peut être modifié en chemin"
        elif scheme == "tg":
            why = "un lien tg:// déclenche une action dans Telegram"
        else:
            why = "seuls les liens https:// sont attendus"
        warnings.append((target, f"lien « {shown} » : {why} ; vérifiez-le ou passez en https://"))
    return warnings
