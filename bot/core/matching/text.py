"""Text normalisation shared by the matcher, the flow engine and the eval tools.

Doctors type fast, on phones, in two languages: the matcher must see
"Rançongiciel !!!", "rancongiciel" and "ransomware" as the same thing. Every
step here is idempotent (a property test checks it), so normalised text can be
normalised again safely.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from bot.core.matching.lexicon import CANONICAL, STOPWORDS, SYNONYMS
from bot.core.matching.phrases import PHRASES

_ELISION = re.compile(r"\b(?:l|d|j|n|s|c|m|t|qu|jusqu|lorsqu|puisqu)['’`´ʼ]", re.IGNORECASE)
_APOSTROPHES = re.compile(r"['’`´ʼ]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_REPEATS = re.compile(r"([a-z])\1{2,}")
# What `fold` returns: words of letters only or digits only, one space apart.
_FOLDED = re.compile(r"(?:[a-z]+|[0-9]+)(?: (?:[a-z]+|[0-9]+))*")
_SUFFIXES = ("ements", "ement", "ations", "ation", "ees", "ee", "es", "er", "ez", "e", "s", "x")


def fold(text: str) -> str:
    """Lower-case, strip accents and invisible characters, keep only [a-z0-9 ]."""
    if _FOLDED.fullmatch(text) and not _REPEATS.search(text):
        return text  # already folded (normalising folds its own output again)
    return fold_every_step(text)


def fold_every_step(text: str) -> str:
    """`fold` without its shortcut for text already folded (tests compare the two)."""
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
    return _canonical(fold(text))


def _canonical(folded: str) -> list[str]:
    # Only phrases whose first word is in the text, or may appear by an earlier
    # replacement, can match: the others are not even looked for (same result, in the
    # same order; normalising thousands of phrasings at start-up needs it).
    wanted = {i for word in folded.split() for i in _PHRASES_BY_HEAD.get(word, ())}
    folded = f" {folded} "
    for i in sorted(wanted.union(_PHRASES_ALWAYS)):
        phrase, canon = PHRASES[i]
        if phrase in folded:
            folded = folded.replace(phrase, f" {canon} ")
    return [SYNONYMS.get(tok, tok) for tok in folded.split()]


def _phrases_by_head() -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    by_head: dict[str, list[int]] = {}
    for i, (phrase, _) in enumerate(PHRASES):
        by_head.setdefault(phrase.split()[0], []).append(i)
    # A phrase that starts with a canonical token ("motdepasse ...") may appear only after
    # another phrase is replaced: such phrases are always looked for.
    produced = {word for _, canon in PHRASES for word in canon.split()}
    always = tuple(i for head, ids in by_head.items() if head in produced for i in ids)
    return {head: tuple(ids) for head, ids in by_head.items()}, always


_PHRASES_BY_HEAD, _PHRASES_ALWAYS = _phrases_by_head()


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
    return _content_terms(fold(text))


def _content_terms(folded: str, stem_of: Callable[[str], str] = stem) -> list[str]:
    return [
        tok if tok in CANONICAL else stem_of(tok)
        for tok in _canonical(folded)
        if tok not in STOPWORDS
    ]


def normalise(text: str) -> str:
    """The normalised form used for string-level fuzzy scores.

    Applied until it no longer changes, so that normalising twice is a no-op
    even where a stem happens to be another word of the lexicon.
    """
    return normalise_folded(fold(text))


def normalise_folded(folded: str, stem_of: Callable[[str], str] = stem) -> str:
    """`normalise` of a text already folded (`fold(text)`): the same result, one fold less
    (the matcher folds each phrasing anyway; building the index folds thousands).
    `stem_of`: `stem`, or a memo of it while building an index (the same few thousand
    words recur in thousands of phrasings)."""
    result = " ".join(_content_terms(folded, stem_of))
    for _ in range(4):
        again = " ".join(_content_terms(fold(result), stem_of))
        if again == result:
            break
        result = again
    return result
