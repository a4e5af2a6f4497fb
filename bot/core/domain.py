"""Is an unanswered question about data protection at all? Then it is not "out of scope".

A question Vigie has no sheet for ("a camera in the waiting room", before that
topic existed) is still in its domain: the honest reply is "I have no sheet on
this yet, write to the association", not "I only cover data protection". The
domain's vocabulary is learnt from the content itself: terms that several
in-scope phrasings use and no out-of-scope phrasing does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from bot.core.content import OUT_OF_SCOPE, Intent
from bot.core.language import FUNCTION_WORDS
from bot.core.matching.text import fold, stem

SMALLTALK = "smalltalk."
# A term must appear in this many in-scope phrasings to speak for the domain.
MIN_PHRASINGS = 3
# Terms this short are too ambiguous ("pc" aside, which the lexicon canonicalises).
MIN_TERM = 3


class DomainVocabulary:
    def __init__(self, intents: Mapping[str, Intent]):
        inside: Counter[str] = Counter()
        outside: set[str] = set()
        for topic, intent in intents.items():
            for phrasings in intent.examples.values():
                for phrasing in phrasings:
                    terms = _terms(phrasing)
                    if topic == OUT_OF_SCOPE:
                        outside |= terms
                    elif not topic.startswith(SMALLTALK):
                        inside.update(terms)
        self.terms = frozenset(
            term
            for term, count in inside.items()
            if count >= MIN_PHRASINGS and term not in outside
        )

    def speaks_of(self, text: str) -> bool:
        """Whether `text` uses at least two of the domain's own terms."""
        return len(_terms(text) & self.terms) >= 2


def _terms(text: str) -> set[str]:
    """Folded, lightly stemmed words that are not function words (cheap: no lexicon)."""
    return {stem(w) for w in fold(text).split() if len(w) >= MIN_TERM and w not in FUNCTION_WORDS}
