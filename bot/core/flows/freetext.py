"""Typed answers to a flow question: "ouais", "jsp", "oui bitlocker", "un voleur", a label.

Buttons are the main way through a flow, but people type: on a phone, a
"oui" is quicker than reaching for the button, and "un confrère" is what a
doctor calls "a professional bound by secrecy". A typed answer counts only
when it points to exactly one choice; anything else is for the caller to
judge (a new question, or a reminder to tap a button).
"""

from __future__ import annotations

from rapidfuzz import fuzz

from bot.core.language import FUNCTION_WORDS
from bot.core.matching.text import fold

YES = {
    "oui",
    "ouais",
    "ouai",
    "yes",
    "yep",
    "yeah",
    "ok",
    "okay",
    "d accord",
    "bien sur",
    "exact",
    "exactement",
    "affirmatif",
    "o",
    "y",
    "oui oui",
    "tout a fait",
    "absolument",
}
NO = {"non", "nan", "no", "nope", "pas du tout", "n", "non non", "jamais", "negatif"}
UNKNOWN = {
    "je sais pas",
    "je ne sais pas",
    "sais pas",
    "jsp",
    "chais pas",
    "pas sur",
    "pas sure",
    "aucune idee",
    "unknown",
    "dont know",
    "don t know",
    "not sure",
    "idk",
    "peut etre",
    "maybe",
    "je ne suis pas sur",
    "je suis pas sur",
    "ne sais pas",
    "i don t know",
    "no idea",
    "je ne peux pas l exclure",
}

# A typed label must be this close to one of the buttons (rapidfuzz ratio).
LABEL_CUTOFF = 85.0
# "oui bitlocker", "non pas chiffré": a yes/no/don't-know word, then a short remark.
MAX_REMARK_WORDS = 2
# Typed words shorter than this ("un", "mes", "de") say nothing about the choice, nor do
# function words; and an answer in words is short ("un confrère médecin").
MIN_WORD = 4
MAX_ANSWER_WORDS = 6


def choice(
    typed: str,
    offered: list[str],
    labels: list[str],
    words: list[tuple[str, ...]] | None = None,
) -> int | None:
    """The index of the offered value (with its button label) that `typed` means, or None."""
    said = fold(typed)
    if not said:
        return None
    folded = [fold(label) for label in labels]
    for wanted, vocabulary in (("yes", YES), ("no", NO), ("unknown", UNKNOWN)):
        if said in vocabulary:
            return _index_of(wanted, offered, folded)
    remark = None if typed.rstrip().endswith("?") else _yes_no_unknown(said)
    if remark is not None and (found := _index_of(remark, offered, folded)) is not None:
        return found
    short = len(said.split()) <= MAX_ANSWER_WORDS
    if short and not typed.rstrip().endswith("?"):
        by_words = _by_words(said, labels, words or [() for _ in labels])
        if by_words is not None:
            return by_words
    best, best_score = None, 0.0
    for i, label in enumerate(folded):
        score = fuzz.ratio(said, label)
        if score > best_score:
            best, best_score = i, score
    return best if best_score >= LABEL_CUTOFF else None


def _yes_no_unknown(said: str) -> str | None:
    """"oui bitlocker" -> yes: a yes/no/don't-know phrase, then a remark of a word or two."""
    tokens = said.split()
    for size in (4, 3, 2, 1):
        head = " ".join(tokens[:size])
        if not 0 < len(tokens) - size <= MAX_REMARK_WORDS or len(head) < 2:
            continue
        for wanted, words in (("unknown", UNKNOWN), ("yes", YES), ("no", NO)):
            if head in words:
                return wanted
    return None


def _index_of(wanted: str, offered: list[str], folded: list[str]) -> int | None:
    if wanted in offered:
        return offered.index(wanted)
    if wanted == "unknown":
        for i, label in enumerate(folded):
            if any(s in label for s in ("sais pas", "pas sur", "not sure", "don t know")):
                return i
    return None


def _by_words(said: str, labels: list[str], words: list[tuple[str, ...]]) -> int | None:
    """The one choice whose label or listed words share a meaningful word with `said`."""
    typed = {t for t in said.split() if len(t) >= MIN_WORD and t not in FUNCTION_WORDS}
    phrase = f" {said} "
    found = set()
    for i, (label, extra) in enumerate(zip(labels, words, strict=True)):
        own = {t for t in fold(label).split() if len(t) >= MIN_WORD}
        listed = [fold(w) for w in extra]
        if typed & own or any(f" {w} " in phrase for w in listed if w):
            found.add(i)
    return found.pop() if len(found) == 1 else None
