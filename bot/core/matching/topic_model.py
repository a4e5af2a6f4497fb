"""A complement naive Bayes topic model over words and word pairs.

The lexical matcher (`bot.core.matching.matcher`) is a nearest-neighbour search: it
finds the example phrasing closest to the question. It cannot learn that a
word is evidence for one topic *against* the others ("quand" points to the
deadline, "qui" to who must notify), so a question worded unlike every
example of its topic loses to a topic that happens to share one rare word.
A linear model over the whole training set learns exactly that. Complement
naive Bayes (Rennie et al., 2003) is the one that trains by counting: no
iterations, a third of a second at start-up for our 4,818 phrasings. A linear
SVM (scikit-learn) would add about four more points of cross-validated rank-1
but needs an iterative solver and SciPy; `docs/matching.md` gives the figures.

Features follow scikit-learn's `TfidfVectorizer(ngram_range=(1, 2),
sublinear_tf=True)` over two views of the text: the normalised terms (lexicon
and stemming applied) and the folded words (stopwords and interrogatives
kept). `tests/test_classifier.py` checks the scores against the textbook
formula computed densely.
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

from bot.core.matching.text import fold, normalise


def features(normalised: str, folded: str) -> dict[str, float]:
    """Sublinear counts of words and adjacent pairs of both views (IDF applied later).

    Takes the text already normalised and folded (`bot.core.matching.text`): the matcher has
    both at hand, and computing them again was most of the training time.
    """
    counts = Counter(_terms(normalised, folded))
    return {term: 1.0 + math.log(n) for term, n in counts.items()}


def feature_names(normalised: str, folded: str) -> set[str]:
    """The keys of `features`, without counting them (the document-frequency pass)."""
    return set(_terms(normalised, folded))


def _terms(normalised: str, folded: str) -> Iterator[str]:
    """Each word of two letters or more, and each pair of adjacent ones, of both views."""
    for view in (normalised, folded):
        words = [w for w in view.split() if len(w) >= 2]
        yield from words
        yield from (f"{a} {b}" for a, b in itertools.pairwise(words))


def views(text: str) -> tuple[str, str]:
    """The two views `features` expects, for callers that only have the raw text."""
    return normalise(text), fold(text)


class TopicModel:
    """Complement naive Bayes over TF-IDF features, trained by counting."""

    alpha = 1.0
    # Terms seen in fewer phrasings are dropped. 2 would save memory on very large
    # content but cost 0.2 point of cross-validated rank-1 on ours; 1 keeps them all.
    min_df = 1

    def __init__(self, rows: Iterable[tuple[str, str, str]]):
        """`rows`: (topic, normalised, folded) for every example phrasing."""
        rows = list(rows)
        self.topics: tuple[str, ...] = tuple(sorted({topic for topic, _, _ in rows}))
        index = {topic: i for i, topic in enumerate(self.topics)}
        # Two passes over the phrasings (document frequencies, then weights) rather than
        # keeping every feature dict: a 5,000-topic build peaks at 493 MB instead of 630.
        df: Counter[str] = Counter()
        for _, norm, folded in rows:
            df.update(feature_names(norm, folded))
        n = len(rows)
        # Terms are numbered, and everything about them lives in flat arrays: a dict of
        # tuples per term took twice the memory (15.9 MB instead of 7.5 on our content).
        self._term: dict[str, int] = {}
        self._idf = array("d")
        for term, d in df.items():
            if d >= self.min_df:
                self._term[term] = len(self._idf)
                self._idf.append(math.log((1 + n) / (1 + d)) + 1)
        del df
        # Feature mass per (term, class), keyed term * classes + class: sparse, since most
        # terms occur in one or two topics.
        classes = len(self.topics)
        mass: dict[int, float] = {}
        totals_by_class = [0.0] * classes
        for topic, norm, folded in rows:
            c = index[topic]
            for i, value in self._weigh(features(norm, folded)).items():
                key = i * classes + c
                mass[key] = mass.get(key, 0.0) + value
                totals_by_class[c] += value
        grand = sum(totals_by_class)
        # log of each class's complement mass: the same for every feature of the class.
        self._log_complement = [
            math.log(grand + self.alpha * len(self._term) - total) for total in totals_by_class
        ]
        everywhere = [self.alpha] * len(self._term)
        for key, value in mass.items():
            everywhere[key // classes] += value
        # For each term, only the classes it occurs in differ from that baseline:
        # classes[offsets[i]:offsets[i + 1]] and their deltas.
        per_term = [0] * len(self._term)
        for key in mass:
            per_term[key // classes] += 1
        self._offsets = array("I", itertools.accumulate(per_term, initial=0))
        self._classes = array("I")
        self._deltas = array("d")
        for key in sorted(mass):
            i, c = divmod(key, classes)
            self._classes.append(c)
            self._deltas.append(math.log(everywhere[i]) - math.log(everywhere[i] - mass[key]))

    def _weigh(self, tf: Mapping[str, float]) -> dict[int, float]:
        """Term numbers with L2-normalised TF-IDF weights; unknown terms dropped."""
        weighted = {}
        for term, value in tf.items():
            i = self._term.get(term)
            if i is not None:
                weighted[i] = value * self._idf[i]
        norm = math.sqrt(sum(v * v for v in weighted.values()))
        return {i: v / norm for i, v in weighted.items()} if norm else {}

    def log_likelihoods(self, normalised: str, folded: str) -> list[float]:
        """Joint log-likelihood of every topic (order of `topics`), up to a shared constant."""
        x = self._weigh(features(normalised, folded))
        mass = sum(x.values())
        scores = [mass * base for base in self._log_complement]
        offsets, classes, deltas = self._offsets, self._classes, self._deltas
        for i, value in x.items():
            for k in range(offsets[i], offsets[i + 1]):
                scores[classes[k]] += value * deltas[k]
        return scores

    def standardised(self, normalised: str, folded: str) -> dict[str, float]:
        """Each topic's distance below the best, in standard deviations (0 for the best).

        A scale-free form: the lexical score and this one can be added with one weight.
        """
        scores = self.log_likelihoods(normalised, folded)
        best = max(scores)
        spread = _pstdev(scores) or 1.0
        return {topic: (s - best) / spread for topic, s in zip(self.topics, scores, strict=True)}


def _pstdev(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
