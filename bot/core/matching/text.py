"""Text normalisation shared by the matcher, the flow engine and the eval tools.

Doctors type fast, on phones, in two languages: the matcher must see
"Rançongiciel !!!", "rancongiciel" and "ransomware" as the same thing. Every
step here is idempotent (a property test checks it), so normalised text can be
normalised again safely.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.matching.lexicon import CANONICAL, STOPWORDS, SYNONYMS
from bot.core.matching.phrases import PHRASES

_ELISION = re.compile(r"\b(?:l|d|j|n|s|c|m|t|qu|jusqu|lorsqu|puisqu)['’`´ʼ]", re.IGNORECASE)
_APOSTROPHES = re.compile(r"['’`´ʼ]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SUFFIXES = ("ements", "ement", "ations", "ation", "ees", "ee", "es", "er", "ez", "e", "s", "x")


def fold(text: str) -> str:
    """Lower-case, strip accents and invisible characters, keep only [a-z0-9 ]."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss").lower()
    text = _ELISION.sub(" ", text)
    text = _APOSTROPHES.sub(" ", text)
    text = _NON_WORD.sub(" ", text)
    text = _LETTER_DIGIT.sub(" ", text)
    text = _REPEATS.sub(r"\1", text)
    return " ".join(text.split())


def canonical_tokens(text: str) -> list[str]:
    """Folded tokens with the domain lexicon applied (multi-word phrases first)."""
    folded = f" {fold(text)} "
    for phrase, canon in PHRASES:
        if phrase in folded:
            folded = folded.replace(phrase, f" {canon} ")
    return [SYNONYMS.get(tok, tok) for tok in folded.split()]


def stem(token: str) -> str:
    """A deliberately light French/English stemmer: plural and common endings.

    Heavier stemmers (Snowball) merged words our topics must keep apart in our
    measurements (e.g. "conserver"/"conservation" is wanted, "sauvegarde"/
    "sauve" is not), so we keep tokens of five letters or fewer intact.
    """
    while len(token) > 5 and not token.isdigit():
        for suffix in _SUFFIXES:
            if token.endswith(suffix) and len(token) - len(suffix) >= 4:
                token = token[: -len(suffix)]
                break
        else:
            break
    return token


def content_terms(text: str) -> list[str]:
    """Tokens that carry meaning: canonical, stemmed, without stopwords."""
    return [
        tok if tok in CANONICAL else stem(tok)
        for tok in canonical_tokens(text)
        if tok not in STOPWORDS
    ]


def normalise(text: str) -> str:
    """The normalised form used for string-level fuzzy scores.

    Applied until it no longer changes, so that normalising twice is a no-op
    even where a stem happens to be another word of the lexicon.
    """
    result = " ".join(content_terms(text))
    for _ in range(4):
        again = " ".join(content_terms(result))
        if again == result:
            break
        result = again
    return result
