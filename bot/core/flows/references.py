"""Legal references in the member's language: "RGPD art. 33(1)" reads "GDPR Art. 33(1)" in English.

The flows write their articles once, in French, as the lawyers cite them; an English
verdict or draft shows the English names of the same texts. French codes (CSP, Code
pénal, Code des assurances) keep their names: they have no official English title.
"""

from __future__ import annotations

import re

# Longest first: "RGPD art." before "RGPD".
_ENGLISH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), english)
    for pattern, english in (
        (r"\bRGPD art\.", "GDPR Art."),
        (r"\bRGPD\b", "GDPR"),
        (r"\bCEPD, lignes directrices\b", "EDPB Guidelines"),
        (r"\bCEPD\b", "EDPB"),
        (r"\bconsidérant\b", "Recital"),
        (r"\brèglement n° ", "Regulation No "),
        (r"\bCSP art\.", "CSP Art."),
        (r"\bCode des assurances art\.", "Code des assurances Art."),
        (r"\bcas n° ?", "case "),
    )
)


def localize_reference(reference: str, lang: str) -> str:
    if lang != "en":
        return reference
    for pattern, english in _ENGLISH:
        reference = pattern.sub(english, reference)
    return reference


def references(articles: tuple[str, ...] | list[str], lang: str) -> str:
    """Articles joined for display, each in `lang`."""
    return ", ".join(localize_reference(a, lang) for a in articles)
