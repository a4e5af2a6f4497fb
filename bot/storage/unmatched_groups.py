"""Group similar unmatched questions in near-linear time.

Comparing every question with every group (what `vigie unmatched` used to do)
took 122 s for 4,000 questions. Here a question is first looked up by its exact
normalised form, then compared only with the groups that share its less common
terms, at most `MAX_COMPARISONS` of them: each question costs a bounded amount
of work whatever the size of the log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.core.matching.text import normalise

# Fuzzy comparisons per question, with the groups sharing the most terms.
MAX_COMPARISONS = 20
# A term in more groups than this says nothing about which one a question joins
# ("cnil", "données"): it is not used to find candidates.
COMMON_TERM_GROUPS = 50

Scorer = Callable[[str, str], float]


@dataclass(frozen=True)
class UnmatchedGroup:
    example: str
    count: int
    lang: str


@dataclass
class _Group:
    norm: str
    example: str
    lang: str
    count: int = 1


def group_questions(
    rows: Iterable[tuple[str, str]],
    similarity: float = 70.0,
    scorer: Scorer = fuzz.token_set_ratio,
) -> list[UnmatchedGroup]:
    """(text, lang) rows -> groups of similar questions, most frequent first."""
    groups: list[_Group] = []
    exact: dict[str, int] = {}
    by_term: dict[str, list[int]] = {}
    for text, lang in rows:
        norm = normalise(text)
        index = exact.get(norm)
        if index is None:
            index = _similar_group(norm, groups, by_term, similarity, scorer)
        if index is not None:
            groups[index].count += 1
            exact.setdefault(norm, index)
            continue
        index = len(groups)
        groups.append(_Group(norm, text, lang))
        exact[norm] = index
        for term in set(norm.split()):
            by_term.setdefault(term, []).append(index)
    groups.sort(key=lambda g: -g.count)
    return [UnmatchedGroup(g.example, g.count, g.lang) for g in groups]


def _similar_group(
    norm: str,
    groups: list[_Group],
    by_term: dict[str, list[int]],
    similarity: float,
    scorer: Scorer,
) -> int | None:
    shared: Counter[int] = Counter()
    for term in set(norm.split()):
        found = by_term.get(term, ())
        if len(found) <= COMMON_TERM_GROUPS:
            shared.update(found)
    # The groups sharing the most terms first; the oldest first among equals.
    candidates = sorted(shared, key=lambda i: (-shared[i], i))[:MAX_COMPARISONS]
    for index in sorted(candidates):
        if scorer(norm, groups[index].norm) >= similarity:
            return index
    return None
