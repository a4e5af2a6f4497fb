"""Guess whether a message is French or English, from function words and accents.

Questions are short, so statistical language identifiers are unreliable on
them; counting the words each language cannot do without works better here
and needs no model. When the evidence is thin, return None and let the
caller keep the member's current language.
"""

from __future__ import annotations

import re

from bot.core.matching.text import fold

_FRENCH = frozenset(
    """
    le la les un une des du de au aux et ou est sont je j tu il elle nous vous ils elles
    mon ma mes ton ta tes son sa ses notre votre nos vos leur leurs ce cet cette ces qui
    que quoi dans sur pour par avec sans pas ne plus faut dois doit peut peux comment
    quand combien quel quelle quels quelles pourquoi c est oui non merci bonjour salut
    svp stp avoir etre fait faire donnees patient patients medecin cabinet violation mot
    passe ordinateur sauvegarde chiffrement securite registre delai
""".split()
)
_ENGLISH = frozenset(
    """
    the a an of to in on for and or is are am was were be been i you he she we they my
    your our their his her its it this that these those what which who how when where
    why do does did can could should would will must have has had with without not no
    yes please thanks thank hello hi hey data breach doctor practice report password
    computer backup encryption security register deadline patients
""".split()
)
# Words that say which language a text is in, and nothing about what it means (the sets
# above also hold a few domain words that are good language evidence).
_DOMAIN = frozenset(
    """
    donnees patient patients medecin cabinet violation mot passe ordinateur sauvegarde
    chiffrement securite registre delai data breach doctor practice report password computer
    backup encryption security register deadline merci bonjour salut oui non yes no
""".split()
)
FUNCTION_WORDS = (_FRENCH | _ENGLISH) - _DOMAIN
_ACCENTED = re.compile(r"[àâäçéèêëîïôöùûüÿœæ]", re.IGNORECASE)


def detect_language(text: str) -> str | None:
    """'fr', 'en', or None when there is not enough evidence either way."""
    tokens = fold(text).split()
    french = sum(1 for t in tokens if t in _FRENCH and t not in _ENGLISH)
    english = sum(1 for t in tokens if t in _ENGLISH and t not in _FRENCH)
    french += 2 * len(_ACCENTED.findall(text))
    if french == english:
        return None
    return "fr" if french > english else "en"
