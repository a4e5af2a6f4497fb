"""The console's words, French first, English when the browser prefers it."""

from __future__ import annotations

from collections.abc import Callable

from bot.web.strings_en import EN
from bot.web.strings_fr import FR


def pick_language(accept_language: str) -> str:
    """'en' when the browser ranks English above French, else 'fr'."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = tag.strip().lower()[:2]
        if base in ("fr", "en") and quality > 0:
            ranked.append((-quality, index, base))
    return sorted(ranked)[0][2] if ranked else "fr"


def translator(lang: str) -> Callable[..., str]:
    table = EN if lang == "en" else FR

    def t(key: str, **values: object) -> str:
        text = table.get(key) or FR.get(key) or key
        return text.format(**values) if values else text

    return t
