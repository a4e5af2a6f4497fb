"""Measure the matcher: on a held-out question set, or by k-fold cross-validation.

The figures are the ones the content issue sets targets for: top-1, top-3,
out-of-scope rejection and, most harmful, the rate of confident wrong answers;
and what a member feels: how often the right answer comes at once (`direct`)
and how often Vigie asks "Vouliez-vous dire…" instead (`clarify_rate`).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from bot.core.content import OUT_OF_SCOPE, Intent
from bot.core.matching.matcher import Matcher, Thresholds
from bot.core.matching.semantic import Encoder


@dataclass(frozen=True)
class Item:
    question: str
    topic: str | None


@dataclass
class Report:
    n: int = 0
    top1: float = 0.0
    top3: float = 0.0
    oos_rejection: float = 0.0
    wrong_answer_rate: float = 0.0
    # Shares of the in-scope questions: answered at once with the expected topic, and
    # answered with a "did you mean" question.
    direct: float = 0.0
    clarify_rate: float = 0.0
    decisions: dict[str, int] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    # One entry per question, in order: what `--details` prints.
    items: list[dict[str, object]] = field(default_factory=list)

    def as_json(self, details: bool = False) -> dict[str, object]:
        data: dict[str, object] = {
            "n": self.n,
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "oos_rejection": round(self.oos_rejection, 4),
            "wrong_answer_rate": round(self.wrong_answer_rate, 4),
            "direct": round(self.direct, 4),
            "clarify_rate": round(self.clarify_rate, 4),
        }
        if details:
            data["items"] = self.items
        return data

    def text(self, details: bool = False) -> str:
        lines = [
            f"questions       {self.n}",
            f"top-1           {self.top1:.1%}",
            f"top-3           {self.top3:.1%}",
            f"out-of-scope    {self.oos_rejection:.1%} rejected",
            f"wrong answers   {self.wrong_answer_rate:.1%}",
            f"direct answers  {self.direct:.1%} of in-scope questions",
            f"clarify         {self.clarify_rate:.1%} of in-scope questions",
            f"decisions       {dict(sorted(self.decisions.items()))}",
        ]
        if self.errors:
            lines.append("errors by expected topic:")
            for topic, misses in sorted(self.errors.items(), key=lambda kv: -len(kv[1])):
                lines.append(f"  {topic} ({len(misses)})")
                lines.extend(f"    - {m}" for m in misses)
        if details:
            lines.append("questions:")
            lines.extend(
                f"  {i['decision']:<8} {i['topic'] or '-'} ({i['score']}) expected "
                f"{i['expected'] or '(hors sujet)'}: {i['q']!r}"
                for i in self.items
            )
        return "\n".join(lines)


def evaluate(matcher: Matcher, items: Iterable[Item]) -> Report:
    report = Report()
    in_scope = top1 = top3 = oos = rejected = wrong = direct = clarified = 0
    decisions: Counter[str] = Counter()
    for item in items:
        report.n += 1
        match = matcher.match(item.question)
        decisions[match.decision] += 1
        expected = item.topic
        report.items.append(
            {
                "q": item.question,
                "expected": expected,
                "decision": match.decision,
                "topic": match.topic,
                "score": round(match.score),
                "alternatives": [c.topic for c in match.alternatives],
            }
        )
        if match.decision == "answer" and match.topic != expected:
            wrong += 1
        if expected is None:
            oos += 1
            if match.decision == "fallback":
                rejected += 1
            else:
                report.errors.setdefault("(hors sujet)", []).append(
                    f"{item.question!r} -> {match.decision} {match.topic} ({match.score:.0f})"
                )
            continue
        in_scope += 1
        if match.decision == "answer" and match.topic == expected:
            direct += 1
        elif match.decision == "clarify":
            clarified += 1
        shown = ([match.topic] if match.topic else []) + [c.topic for c in match.alternatives]
        if match.topic == expected:
            top1 += 1
        else:
            report.errors.setdefault(expected, []).append(
                f"{item.question!r} -> {match.decision} {match.topic} ({match.score:.0f})"
            )
        if expected in shown[:3]:
            top3 += 1
    report.top1 = top1 / in_scope if in_scope else 0.0
    report.top3 = top3 / in_scope if in_scope else 0.0
    report.oos_rejection = rejected / oos if oos else 1.0
    report.wrong_answer_rate = wrong / report.n if report.n else 0.0
    report.direct = direct / in_scope if in_scope else 0.0
    report.clarify_rate = clarified / in_scope if in_scope else 0.0
    report.decisions = dict(decisions)
    return report


def cross_validate(
    intents: Mapping[str, Intent],
    folds: int = 5,
    seed: int = 0,
    thresholds: Thresholds | None = None,
    encoder: Encoder | None = None,
) -> Report:
    """Train on k-1 folds of every intent's phrasings, test on the held-out fold.

    Phrasings of the out-of-scope intent are tested as out-of-scope questions.
    """
    reports = [
        evaluate(Matcher(trained, thresholds, encoder), test)
        for trained, test in split_folds(intents, folds, seed)
    ]
    return _merge(reports)


def split_folds(
    intents: Mapping[str, Intent], folds: int = 5, seed: int = 0
) -> Iterator[tuple[dict[str, Intent], list[Item]]]:
    """Each fold's training intents and held-out phrasings, the same split every time
    (cross-validation here, and the decision's fit in benchmarks/fit_decision.py)."""
    rng = random.Random(seed)
    assigned: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for topic, intent in intents.items():
        for lang, phrases in intent.examples.items():
            order = list(phrases)
            rng.shuffle(order)
            assigned[(topic, lang)] = [(i % folds, p) for i, p in enumerate(order)]
    for fold in range(folds):
        train: dict[str, dict[str, list[str]]] = {}
        test: list[Item] = []
        for (topic, lang), entries in assigned.items():
            for f, phrase in entries:
                if f == fold:
                    test.append(Item(phrase, None if topic == OUT_OF_SCOPE else topic))
                else:
                    train.setdefault(topic, {}).setdefault(lang, []).append(phrase)
        trained = {
            topic: Intent(
                topic, {lang: tuple(p) for lang, p in by_lang.items()}, intents[topic].threshold
            )
            for topic, by_lang in train.items()
        }
        yield trained, test


def _merge(reports: list[Report]) -> Report:
    total = sum(r.n for r in reports)
    merged = Report(n=total)
    if not total:
        return merged
    for name in ("top1", "top3", "oos_rejection", "wrong_answer_rate"):
        setattr(merged, name, sum(getattr(r, name) * r.n for r in reports) / total)
    # Shares of in-scope questions: weighted by each fold's in-scope count.
    in_scope = [sum(1 for i in r.items if i["expected"] is not None) for r in reports]
    if sum(in_scope):
        for name in ("direct", "clarify_rate"):
            value = sum(getattr(r, name) * k for r, k in zip(reports, in_scope, strict=True))
            setattr(merged, name, value / sum(in_scope))
    for report in reports:
        merged.items.extend(report.items)
        for key, value in report.decisions.items():
            merged.decisions[key] = merged.decisions.get(key, 0) + value
        for topic, misses in report.errors.items():
            merged.errors.setdefault(topic, []).extend(misses)
    return merged
