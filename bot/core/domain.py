"""Is an unanswered question about data protection at all? Then it is not "out of scope".

A question Vigie has no sheet for ("a camera in the waiting room", before that
topic existed) is still in its domain: the honest reply is "I have no sheet on
this yet, write to the association", not "I only cover data protection". The
domain's vocabulary is learnt from the content itself: terms that several
in-scope phrasings use and no out-of-scope phrasing does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from bot.core.content import OUT_OF_SCOPE, Intent
from bot.core.language import FUNCTION_WORDS
from bot.core.matching.text import fold, stem

SMALLTALK = "smalltalk."
# A term must appear in this many in-scope phrasings to speak for the domain.
MIN_PHRASINGS = 3
# Terms this short are too ambiguous ("pc" aside, which the lexicon canonicalises).
MIN_TERM = 3


class DomainVocabulary:
    def __init__(self, phrasings: Iterable[tuple[str, str]]):
        """`phrasings`: (topic, folded phrasing) for every example phrasing; the matcher
        has them folded already (`Matcher.folded_phrasings`)."""
        inside: Counter[str] = Counter()
        outside: set[str] = set()
        for topic, folded in phrasings:
            terms = _folded_terms(folded)
            if topic == OUT_OF_SCOPE:
                outside |= terms
            elif not topic.startswith(SMALLTALK):
                inside.update(terms)
        self.terms = frozenset(
            term
            for term, count in inside.items()
            if count >= MIN_PHRASINGS and term not in outside
        )

    @classmethod
    def of(cls, intents: Mapping[str, Intent]) -> DomainVocabulary:
        return cls(
            (topic, fold(phrasing))
            for topic, intent in intents.items()
            for phrasings in intent.examples.values()
            for phrasing in phrasings
        )

    def speaks_of(self, text: str) -> bool:
        """Whether `text` uses at least two of the domain's own terms."""
        return len(_terms(text) & self.terms) >= 2


def _terms(text: str) -> set[str]:
    """Folded, lightly stemmed words that are not function words (cheap: no lexicon)."""
    return _folded_terms(fold(text))


def _folded_terms(folded: str) -> set[str]:
    return {stem(w) for w in folded.split() if len(w) >= MIN_TERM and w not in FUNCTION_WORDS}
