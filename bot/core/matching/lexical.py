"""The lexical signal: a topic's score from the words it shares with the question.

The score of a topic combines, for its best example phrasing, an IDF-weighted
overlap of meaningful terms (how much of the question the example explains,
and how much of the example the question covers) with rapidfuzz's
token-sort ratio on the normalised strings. Unknown words are corrected to the
closest word of the corpus when they are close enough (typos), and otherwise
count against the match: a question about taxes that shares one word with a
topic stays a weak match. The topic model (`bot.core.matching.topic_model`) adjusts each
score. Why this combination: see `docs/matching.md`.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.core.matching.lexicon import SYNONYMS
from bot.core.matching.text import fold, normalise
from bot.core.matching.topic_model import TopicModel


@dataclass(frozen=True)
class Candidate:
    topic: str
    score: float
    example: str


@dataclass(frozen=True)
class _Example:
    topic: str
    text: str
    normalised: str
    terms: frozenset[str]
    weight: float


class LexicalIndex:
    """An index over every example phrasing, built once when content loads."""

    fuzzy_rerank = 60
    candidate_pool = 200
    # Weights measured on the evaluation set and in cross-validation (docs/matching.md).
    recall_weight = 0.7  # how much of the question an example explains, vs. the reverse
    fuzzy_weight = 0.2  # rapidfuzz token-sort ratio, for word order and near-spellings
    second_weight = 0.3  # a second good example of the same topic is extra evidence
    topic_weight = 0.25  # share of the question covered by the topic's whole vocabulary
    # The topic model (topic_model.py): a topic loses this much per standard deviation it
    # sits below the model's favourite, and the favourite gains this much per standard
    # deviation of lead over the runner-up (up to `lead_cap`).
    model_weight = 0.05
    lead_weight = 0.02
    lead_cap = 5.0
    # A question made only of stopwords ("salut !", "what can you do") has nothing to
    # match lexically: the model's lead alone, in points per standard deviation, scores it.
    stopword_points = 12.0

    def __init__(self, raw: Sequence[tuple[str, str, str, str]]):
        """`raw`: (topic, phrasing, normalised, folded) for every example phrasing."""
        df: dict[str, int] = defaultdict(int)
        for _, _, norm, _ in raw:
            for term in set(norm.split()):
                df[term] += 1
        total = max(len(raw), 1)
        self._idf = {term: math.log(1 + total / count) for term, count in df.items()}
        self._unknown_idf = math.log(1 + total)
        self._examples: list[_Example] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for topic, phrase, norm, _ in raw:
            terms = frozenset(norm.split())
            if not terms:
                continue
            index = len(self._examples)
            weight = sum(self._idf[t] for t in terms)
            self._examples.append(_Example(topic, phrase, norm, terms, weight))
            for term in terms:
                postings[term].append(index)
        self._postings = {term: tuple(ids) for term, ids in postings.items()}
        self._common_df = max(300, len(self._examples) // 100)
        self._topic_terms: dict[str, frozenset[str]] = {}
        for example in self._examples:
            self._topic_terms[example.topic] = (
                self._topic_terms.get(example.topic, frozenset()) | example.terms
            )
        # Typo candidates by (first letter, length): a typo rarely changes the first letter,
        # and looking only there keeps a cold question under a millisecond (benchmarks/).
        self._vocabulary: dict[tuple[str, int], list[str]] = defaultdict(list)
        # A typo may also be close to a lexicon variant ("encript" ~ "encrypt"), which
        # stands for its canonical term.
        self._variant_of = {v: c for v, c in SYNONYMS.items() if c in self._postings}
        for term in sorted(set(self._postings) | set(self._variant_of)):
            if len(term) >= 4 and not term.isdigit():
                self._vocabulary[(term[0], len(term))].append(term)
        self._correct = lru_cache(maxsize=50_000)(self._correct_uncached)
        # Whole phrasings, folded: "t'es qui ?" is only stopwords, yet an exact example.
        self._exact: dict[str, tuple[str, str]] = {}
        for topic, phrase, _, folded in raw:
            self._exact.setdefault(folded, (topic, phrase))
        self._short = [key for key in self._exact if len(key.split()) <= 4]
        self._model = TopicModel((topic, norm, folded) for topic, _, norm, folded in raw)

    @property
    def example_count(self) -> int:
        return len(self._examples)

    def _correct_uncached(self, term: str) -> str | None:
        """The corpus word a typo most likely meant, or None."""
        if len(term) < 4 or term.isdigit():
            return None
        cutoff = 84.0 if len(term) < 7 else 80.0
        candidates = [
            word
            for size in range(len(term) - 2, len(term) + 3)
            for word in self._vocabulary.get((term[0], size), ())
        ]
        found = process.extractOne(term, candidates, scorer=fuzz.ratio, score_cutoff=cutoff)
        if found is None:
            return None
        return self._variant_of.get(found[0], found[0])

    def _query_terms(self, norm: str) -> dict[str, float]:
        """Query terms with their weights; typos corrected, unknown words kept as penalty."""
        weights: dict[str, float] = {}
        for term in norm.split():
            if term in self._idf:
                weights[term] = self._idf[term]
                continue
            corrected = self._correct(term)
            if corrected is not None:
                weights.setdefault(corrected, self._idf[corrected] * 0.9)
            else:
                weights[f"?{term}"] = self._unknown_idf
        return weights

    def scores(self, text: str) -> list[Candidate]:
        """Every topic that shares a term with the question, best first."""
        folded = fold(text)
        norm = normalise(text)
        exact = self._exact.get(folded)
        model = self._model.standardised(norm, folded) if folded else {}
        ranked = self._lexical_scores(norm, model)
        if exact is not None:
            others = [c for c in ranked if c.topic != exact[0]]
            return [Candidate(exact[0], 100.0, exact[1]), *others]
        if not ranked and folded and len(folded.split()) <= 4:
            found = process.extractOne(folded, self._short, scorer=fuzz.ratio, score_cutoff=80)
            if found is not None:
                topic, phrase = self._exact[found[0]]
                return [Candidate(topic, 0.9 * found[1], phrase)]
        if not ranked and not norm and model:
            favourite, lead = _favourite(model)
            return [Candidate(favourite, min(100.0, self.stopword_points * lead), "")]
        return ranked

    def _lexical_scores(self, norm: str, model: Mapping[str, float]) -> list[Candidate]:
        query = self._query_terms(norm)
        query_weight = sum(query.values())
        if not query_weight:
            return []
        # Accumulate matched weight through the postings: cost grows with the matches,
        # not with the number of examples.
        # Very common words only add weight to examples found through rarer ones, as in
        # any inverted index (at 5,000 topics a shared word is in thousands of phrasings).
        matched: dict[int, float] = defaultdict(float)
        # (An unknown word has no postings: it is neither, and must not hide the common ones.)
        known = [t for t in query if t in self._postings]
        rare = [t for t in known if len(self._postings[t]) <= self._common_df]
        common = [t for t in known if t not in rare]
        for term in rare or common:
            weight = query[term]
            for index in self._postings.get(term, ()):
                matched[index] += weight
        if rare:
            for index in matched:
                terms = self._examples[index].terms
                matched[index] += sum(query[t] for t in common if t in terms)
        examples = self._examples
        rw = self.recall_weight
        # Only the best few hundred examples can make a topic's score: bound the work there.
        lexical = heapq.nlargest(
            self.candidate_pool,
            (
                (rw * m / query_weight + (1 - rw) * m / examples[index].weight, index)
                for index, m in matched.items()
            ),
        )
        per_topic: dict[str, list[tuple[float, str]]] = defaultdict(list)
        query_text = " ".join(t.lstrip("?") for t in query)
        for rank, (lex, index) in enumerate(lexical):
            example = self._examples[index]
            # The string-level ratio only reorders near the top; further down it is
            # estimated by the lexical score itself (saves most of the cost, see benchmarks/).
            if rank < self.fuzzy_rerank:
                ratio = fuzz.token_sort_ratio(query_text, example.normalised) / 100
            else:
                ratio = lex
            per_topic[example.topic].append(
                ((1 - self.fuzzy_weight) * lex + self.fuzzy_weight * ratio, example.text)
            )
        ranked: list[Candidate] = []
        favourite, lead = _favourite(model)
        bonus = self.lead_weight * min(lead, self.lead_cap)
        for topic, found in per_topic.items():
            found.sort(reverse=True)
            best = found[0][0]
            if len(found) > 1:
                best += self.second_weight * found[1][0]
            best /= 1 + self.second_weight
            vocabulary = self._topic_terms[topic]
            coverage = sum(w for t, w in query.items() if t in vocabulary) / query_weight
            score = (1 - self.topic_weight) * best + self.topic_weight * coverage
            score += self.model_weight * model.get(topic, 0.0)
            if topic == favourite:
                score += bonus
            score = min(1.0, max(0.0, score))
            ranked.append(Candidate(topic, 100 * score, found[0][1]))
        ranked.sort(key=lambda c: -c.score)
        return ranked


def _favourite(model: Mapping[str, float]) -> tuple[str, float]:
    """The topic model's favourite and its lead over the runner-up, in standard deviations."""
    if len(model) < 2:
        return (next(iter(model), ""), 0.0)
    first, second = heapq.nlargest(2, model.items(), key=lambda kv: kv[1])
    return first[0], first[1] - second[1]
