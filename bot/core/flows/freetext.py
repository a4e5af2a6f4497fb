"""Typed answers to a flow question: "ouais", "jsp", or a label typed by hand.

Buttons are the main way through a flow, but people type: on a phone, a
"oui" is quicker than reaching for the button. A typed answer counts only
when it is unambiguous; anything else is treated as a new question.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from bot.core.text import fold

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


def choice(typed: str, offered: list[str], labels: list[str]) -> int | None:
    """The index of the offered value (with its button label) that `typed` means, or None."""
    said = fold(typed)
    if not said:
        return None
    folded = [fold(label) for label in labels]
    wanted = (
        "yes" if said in YES else "no" if said in NO else "unknown" if said in UNKNOWN else None
    )
    if wanted is not None:
        if wanted in offered:
            return offered.index(wanted)
        if wanted == "unknown":
            for i, label in enumerate(folded):
                if any(s in label for s in ("sais pas", "pas sur", "not sure", "don t know")):
                    return i
        return None
    best, best_score = None, 0.0
    for i, label in enumerate(folded):
        score = fuzz.ratio(said, label)
        if score > best_score:
            best, best_score = i, score
    return best if best_score >= LABEL_CUTOFF else None
