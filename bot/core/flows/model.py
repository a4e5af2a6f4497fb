"""The model of a guided flow: facts, question nodes, terminal nodes, rules.

A flow is data the association writes. It can only ask questions, skip the
ones whose `ask_if` condition is false, route on an answer, and end in a
verdict (rules over the facts) or a score (self-check). Content never runs code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.core.limits import DEFAULT_LANGUAGE

NodeType = Literal["question", "date", "info", "verdict", "score"]
TERMINAL: frozenset[str] = frozenset({"verdict", "score"})


@dataclass(frozen=True)
class Text:
    """A bilingual text."""

    by_lang: Mapping[str, str]

    def __call__(self, lang: str) -> str:
        return self.by_lang.get(lang) or self.by_lang.get(DEFAULT_LANGUAGE, "")


EMPTY = Text({})


@dataclass(frozen=True)
class Value:
    id: str
    label: Text
    # Words a member may type for this choice ("confrère" for a professional bound by
    # secrecy), in either language; the label's own words count too.
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact:
    id: str
    values: tuple[Value, ...]
    # The value recorded when the question does not apply (e.g. "na").
    skip_value: str | None = None

    def value(self, value_id: str) -> Value | None:
        return next((v for v in self.values if v.id == value_id), None)


# A condition is plain data: {"fact": f, "is": v} | {"fact": f, "in": [...]}
# | {"all": [...]} | {"any": [...]} | {"not": cond} | {"ref": NAME}.
Condition = Mapping[str, object]


@dataclass(frozen=True)
class CheckItem:
    """What a self-check question contributes to the score and the action list."""

    weight: int
    priority: int
    topic: str | None
    action: Text


@dataclass(frozen=True)
class Node:
    id: str
    type: NodeType
    text: Text = EMPTY
    help: Text = EMPTY
    fact: str | None = None
    # For question nodes: the value ids offered, in order.
    choices: tuple[str, ...] = ()
    # value id -> node id, overriding `next` for that answer.
    routes: Mapping[str, str] = field(default_factory=dict)
    next: str | None = None
    ask_if: Condition | None = None
    check: CheckItem | None = None


@dataclass(frozen=True)
class Reason:
    text: Text
    articles: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    id: str
    when: Condition
    outputs: Mapping[str, bool]
    summary: Text
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Note:
    """A remark shown with the verdict when its condition holds; `id` names it in tests."""

    id: str
    when: Condition
    text: Text
    articles: tuple[str, ...]


@dataclass(frozen=True)
class NextStep:
    """One item of "next steps", shown when `when` holds (always when it is None)."""

    when: Condition | None
    text: Text


@dataclass(frozen=True)
class Flow:
    id: str
    title: Text
    intro: Text
    start: str
    facts: Mapping[str, Fact]
    nodes: Mapping[str, Node]
    definitions: Mapping[str, Condition] = field(default_factory=dict)
    verdicts: tuple[Verdict, ...] = ()
    notes: tuple[Note, ...] = ()
    # Pairs (if, then) of condition names that must hold for every answer path.
    invariants: tuple[tuple[str, str], ...] = ()
    next_steps: tuple[NextStep, ...] = ()
    documents: Mapping[str, Text] = field(default_factory=dict)
    # Hours after which a deadline expires (breach: 72 h from awareness).
    deadline_hours: int | None = None

    def question_count(self) -> int:
        return sum(1 for n in self.nodes.values() if n.type in {"question", "date"})

    def successors(self, node: Node) -> list[str]:
        """Every node that may follow `node`, whatever the answers."""
        targets = list(node.routes.values())
        if node.next:
            targets.append(node.next)
        return list(dict.fromkeys(targets))
