"""One decision from every signal: answer, clarify or fall back.

With a sentence encoder (`bot.core.matching.semantic`), each topic's lexical score
(`bot.core.matching.matcher`, topic model included) and its semantic similarity are
fused into one ranking, and two logistic regressions read a few features of
the favourite: how likely it is the right topic, and how likely the question
is in scope at all. Their coefficients were fitted on cross-fitted features of
the intents' own phrasings (5-fold cross-validation: each phrasing scored by
a matcher that never saw it); the two probability thresholds were chosen on a
development set of questions as members type them; `docs/matching.md` gives
the procedure and the figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.content import OUT_OF_SCOPE

# Order of the features in `features()` and in the coefficient tables.
NAMES = (
    "fused",  # the favourite's fused score / 100
    "fused_lead",  # its lead over the runner-up / 100
    "lexical",  # its lexical score / 100
    "semantic_lead",  # its semantic lead over the next topic, in tenths of cosine
    "lexical_favourite",  # 1 when it is also the lexical favourite
    "semantic_favourite",  # 1 when it is also the semantic favourite
    "oos_lexical",  # out-of-scope lexical score minus its own, / 100
    "oos_semantic",  # out-of-scope semantic similarity minus its own, tenths of cosine
    "semantic",  # its semantic similarity (10 × cosine − 8)
    "words",  # words in the question / 10, at most 4
    "oos_nearest",  # nearest out-of-scope phrasing minus nearest in-scope one, tenths
)
# Fitted by `benchmarks/fit_decision.py` (cross-validation of intents/ only).
ANSWER = (0.4844, 3.4661, 0.2192, 1.3649, 0.0953, -0.1372, -1.3504, -1.1857, 1.1435, 0.3093,
          -0.376, -3.0238)
IN_SCOPE = (0.9112, -0.0226, 1.1038, -0.186, -0.1688, -0.1993, -3.5783, -2.9951, 2.1072,
            0.561, -2.9822, -3.056)


@dataclass(frozen=True)
class Fusion:
    """How the semantic similarity enters the ranking, and the decision's thresholds."""

    # Points lost per hundredth of cosine below the semantic favourite, and the favourite's
    # bonus in points.
    semantic_weight: float = 8.0
    semantic_bonus: float = 5.0
    # Only the best few lexical candidates keep their lexical score (as when fitted).
    lexical_depth: int = 8
    # Fall back below this probability of being in scope; answer at or above this
    # probability of being right; otherwise ask "Vouliez-vous dire…". Chosen on the
    # development set of situations (tests/eval/situations_dev.yaml).
    in_scope: float = 0.86
    answer: float = 0.84
    # The regressions' coefficients, in the order of NAMES, then the bias.
    answer_coefficients: tuple[float, ...] = ANSWER
    in_scope_coefficients: tuple[float, ...] = IN_SCOPE
    # A lexical answer this strong and this far ahead of the runner-up is given without
    # calling the encoder (it would not change it; chosen in cross-validation).
    words_suffice: float = 85.0
    words_lead: float = 20.0
    # A fallback is told "out of scope" when an out-of-scope phrasing is the nearest in
    # meaning, unless the favourite's words lead the out-of-scope ones by this much.
    oos_words_lead: float = 15.0
    # Topics this close to the favourite (fused points) are offered beside it.
    clarify_band: float = 20.0
    see_also_band: float = 10.0


@dataclass(frozen=True)
class Ranked:
    topics: tuple[str, ...]  # in-scope topics, best first
    fused: Mapping[str, float]
    features: tuple[float, ...]
    oos_closer: bool  # the out-of-scope phrasings look at least as close as the favourite


def fuse(
    lexical: Sequence[tuple[str, float]],
    semantic: Mapping[str, tuple[float, float]],
    question: str,
    fusion: Fusion,
) -> Ranked | None:
    """Fused ranking and the favourite's features; None without two in-scope topics."""
    topics = sorted(t for t in semantic if t != OUT_OF_SCOPE)
    if len(topics) < 2:
        return None
    lex = dict(lexical[: fusion.lexical_depth])
    near = {t: (best + second) / 2 for t, (best, second) in semantic.items()}
    favourite = max(topics, key=lambda t: near[t])
    top = near[favourite]
    fused = {
        t: lex.get(t, 0.0)
        + fusion.semantic_weight * 100 * (near[t] - top)
        + (fusion.semantic_bonus if t == favourite else 0.0)
        for t in topics
    }
    order = tuple(sorted(topics, key=lambda t: -fused[t]))
    best, runner_up = order[0], order[1]
    lexical_favourite = next((t for t, _ in lexical if t != OUT_OF_SCOPE), None)
    second_near = max(near[t] for t in topics if t != favourite)
    oos_near = near.get(OUT_OF_SCOPE, -1.0)
    oos_best = semantic.get(OUT_OF_SCOPE, (-1.0, -1.0))[0]
    in_best = max(semantic[t][0] for t in topics)
    x = (
        fused[best] / 100,
        (fused[best] - fused[runner_up]) / 100,
        lex.get(best, 0.0) / 100,
        10 * (near[best] - (second_near if best == favourite else top)),
        float(best == lexical_favourite),
        float(best == favourite),
        (lex.get(OUT_OF_SCOPE, 0.0) - lex.get(best, 0.0)) / 100,
        10 * (oos_near - near[best]),
        10 * near[best] - 8,
        min(len(question.split()), 40) / 10,
        10 * (oos_best - in_best),
    )
    oos_lexical = lex.get(OUT_OF_SCOPE, 0.0)
    # "Out of scope" is said only when the words do not point clearly to a topic: a typo
    # can bring a question's meaning nearer to an out-of-scope phrasing ("shoud I encript
    # the laptops?"), and telling that member "I only cover data protection" is wrong.
    words_lead = lex.get(best, 0.0) - oos_lexical
    oos_closer = (oos_best >= in_best and words_lead < fusion.oos_words_lead) or (
        oos_lexical > 0 and words_lead <= 0
    )
    return Ranked(order, fused, x, oos_closer)


def probability(coefficients: Sequence[float], x: Sequence[float]) -> float:
    z = coefficients[-1] + sum(c * v for c, v in zip(coefficients, x, strict=False))
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))
