"""Turn a finished flow's answers into its result: a verdict or a score.

A verdict is the single rule whose condition holds (the content linter
proves there is exactly one for every possible answer path), plus the notes
whose conditions hold and the deadline computed from `aware_at`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core.flows.conditions import evaluate
from bot.core.flows.dates import Deadline, deadline, is_exact, parse_iso
from bot.core.flows.model import CheckItem, Flow, NextStep, Node, Note, Reason, Verdict

OUTPUTS = ("notify_authority", "inform_data_subjects", "document", "inform_controller")
AWARE_AT = "aware_at"


@dataclass(frozen=True)
class VerdictResult:
    flow: Flow
    verdict: Verdict
    notes: tuple[Note, ...]
    deadline: Deadline | None
    next_steps: tuple[NextStep, ...] = ()

    @property
    def outputs(self) -> Mapping[str, bool]:
        return self.verdict.outputs

    def reasons(self) -> tuple[Reason, ...]:
        return self.verdict.reasons

    def articles(self) -> list[str]:
        found = [a for r in self.verdict.reasons for a in r.articles]
        found += [a for n in self.notes for a in n.articles]
        return list(dict.fromkeys(found))

    def as_json(self, lang: str = "fr") -> dict[str, object]:
        return {
            **{key: bool(self.outputs.get(key, False)) for key in OUTPUTS},
            "deadline": self.deadline.as_iso() if self.deadline else None,
            "overdue": bool(self.deadline and self.deadline.overdue),
            "reasons": [r.text(lang) for r in self.verdict.reasons]
            + [n.text(lang) for n in self.notes],
            "articles": self.articles(),
            "verdict_id": self.verdict.id,
            "notes": [n.id for n in self.notes],
        }


@dataclass(frozen=True)
class Action:
    node: Node
    check: CheckItem
    answer: str


@dataclass(frozen=True)
class ScoreResult:
    flow: Flow
    score: int
    actions: tuple[Action, ...]

    def as_json(self, lang: str = "fr") -> dict[str, object]:
        return {
            "score": self.score,
            "actions": [
                {
                    "question": a.node.id,
                    "answer": a.answer,
                    "topic": a.check.topic,
                    "action": a.check.action(lang),
                }
                for a in self.actions
            ],
        }


# In a self-check, "Sans objet" (no imaging, nothing hosted outside): neither scored nor an action.
NOT_APPLICABLE = "na"


class NoVerdictError(ValueError):
    """The rules gave zero or several verdicts: a content error the linter should catch."""


def matching_verdicts(flow: Flow, answers: Mapping[str, str]) -> list[Verdict]:
    return [v for v in flow.verdicts if evaluate(v.when, answers, flow.definitions)]


def decide(flow: Flow, answers: Mapping[str, str], now: datetime) -> VerdictResult:
    found = matching_verdicts(flow, answers)
    if len(found) != 1:
        ids = ", ".join(v.id for v in found) or "none"
        raise NoVerdictError(f"{len(found)} verdicts match ({ids})")
    verdict = found[0]
    notes = tuple(n for n in flow.notes if evaluate(n.when, answers, flow.definitions))
    steps = tuple(
        s
        for s in flow.next_steps
        if s.when is None or evaluate(s.when, answers, flow.definitions)
    )
    due: Deadline | None = None
    if flow.deadline_hours and AWARE_AT in answers and verdict.outputs.get("notify_authority"):
        aware = answers[AWARE_AT]
        due = deadline(parse_iso(aware), now, flow.deadline_hours, exact=is_exact(aware))
    return VerdictResult(flow, verdict, notes, due, steps)


def score(flow: Flow, answers: Mapping[str, str]) -> ScoreResult:
    """Share of weighted checks answered "yes"; actions for the others, by priority."""
    total = gained = 0
    actions: list[Action] = []
    for node in flow.nodes.values():
        if node.check is None or node.fact is None or node.fact not in answers:
            continue
        answer = answers[node.fact]
        if answer == NOT_APPLICABLE:
            continue
        total += node.check.weight
        if answer == "yes":
            gained += node.check.weight
        else:
            actions.append(Action(node, node.check, answer))
    actions.sort(key=lambda a: (a.check.priority, -a.check.weight))
    percent = round(100 * gained / total) if total else 0
    return ScoreResult(flow, percent, tuple(actions))
