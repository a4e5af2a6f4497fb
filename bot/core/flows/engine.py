"""Walk a flow one answer at a time: answer, go back, edit, skip, finish.

The state is a small JSON-able object saved after every step, so a restart
resumes exactly where the member was. Every transition validates its input
against the current node: a stale or forged button cannot move the state
anywhere the member's own answers would not lead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.core.flows.conditions import evaluate, facts_used
from bot.core.flows.model import TERMINAL, Flow, Node

Stage = Literal["ask", "await_date", "recap"]
CONTINUE = "ok"


class FlowError(ValueError):
    """An input that the current step does not accept."""


@dataclass
class Step:
    node: str
    facts: list[str]


@dataclass
class FlowState:
    flow: str
    node: str
    answers: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    stage: Stage = "ask"
    # Increases at every transition; buttons carry it so old ones expire.
    seq: int = 0
    updated_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FlowState:
        steps = [Step(str(s["node"]), [str(f) for f in s["facts"]]) for s in raw.get("steps", [])]
        return cls(
            flow=str(raw["flow"]),
            node=str(raw["node"]),
            answers={str(k): str(v) for k, v in raw.get("answers", {}).items()},
            steps=steps,
            stage=raw.get("stage", "ask"),
            seq=int(raw.get("seq", 0)),
            updated_at=float(raw.get("updated_at", 0.0)),
        )


def start(flow: Flow, now: float = 0.0) -> FlowState:
    state = FlowState(flow=flow.id, node=flow.start, updated_at=now)
    skipped = _settle(flow, state, flow.start)
    state.answers.update(skipped)
    if skipped:
        state.steps.append(Step("", list(skipped)))
    return state


def current(flow: Flow, state: FlowState) -> Node:
    return flow.nodes[state.node]


def offered(flow: Flow, node: Node) -> tuple[str, ...]:
    """The value ids a member can pick at `node`."""
    if node.type == "info":
        return (CONTINUE,)
    return node.choices


def choose(flow: Flow, state: FlowState, value: str, now: float = 0.0) -> FlowState:
    """Record `value` for the current question and move on."""
    if state.stage != "ask":
        raise FlowError(f"not asking a question (stage {state.stage})")
    node = current(flow, state)
    if node.type in TERMINAL or value not in offered(flow, node):
        raise FlowError(f"{value!r} is not a choice of {node.id}")
    new = _copy(state, now)
    set_facts: dict[str, str] = {}
    if node.fact is not None and node.type != "info":
        set_facts[node.fact] = value
    new.answers.update(set_facts)
    target = node.routes.get(value) or node.next
    if target is None:
        raise FlowError(f"node {node.id} has no next node")
    skipped = _settle(flow, new, target)
    new.answers.update(skipped)
    new.steps.append(Step(node.id, [*set_facts, *skipped]))
    return new


def set_date(flow: Flow, state: FlowState, iso: str, now: float = 0.0) -> FlowState:
    """Record a date-time typed or picked at a `date` node."""
    node = current(flow, state)
    if node.type != "date" or node.fact is None:
        raise FlowError(f"{node.id} does not ask for a date")
    new = _copy(state, now)
    new.stage = "ask"
    new.answers[node.fact] = iso
    if node.next is None:
        raise FlowError(f"node {node.id} has no next node")
    skipped = _settle(flow, new, node.next)
    new.answers.update(skipped)
    new.steps.append(Step(node.id, [node.fact, *skipped]))
    return new


def await_date(flow: Flow, state: FlowState, now: float = 0.0) -> FlowState:
    node = current(flow, state)
    if node.type != "date" or state.stage != "ask":
        raise FlowError(f"{node.id} does not ask for a date")
    new = _copy(state, now)
    new.stage = "await_date"
    return new


def back(flow: Flow, state: FlowState, now: float = 0.0) -> FlowState:
    """Undo the last answer, keeping the earlier ones."""
    new = _copy(state, now)
    if new.stage == "await_date":
        new.stage = "ask"
        return new
    while new.steps:
        step = new.steps.pop()
        for fact in step.facts:
            new.answers.pop(fact, None)
        if step.node:
            new.node = step.node
            new.stage = "ask"
            return new
    raise FlowError("nothing to undo")


def edit(flow: Flow, state: FlowState, node_id: str, now: float = 0.0) -> FlowState:
    """Go back to an answered question from the recap; later answers are asked again."""
    if not any(step.node == node_id for step in state.steps):
        raise FlowError(f"{node_id} was not answered")
    new = _copy(state, now)
    while new.steps:
        step = new.steps.pop()
        for fact in step.facts:
            new.answers.pop(fact, None)
        if step.node == node_id:
            new.node = node_id
            new.stage = "ask"
            return new
    raise FlowError(f"{node_id} was not answered")  # pragma: no cover - guarded above


def answered(flow: Flow, state: FlowState) -> list[tuple[Node, str]]:
    """The questions answered so far, in order, with the value given (for the recap)."""
    result: list[tuple[Node, str]] = []
    for step in state.steps:
        node = flow.nodes.get(step.node)
        if node is not None and node.fact is not None and node.fact in state.answers:
            result.append((node, state.answers[node.fact]))
    return result


def progress(flow: Flow, state: FlowState) -> tuple[int, int]:
    """(questions answered, an estimate of the total) for the progress hint."""
    done = sum(1 for s in state.steps if s.node and flow.nodes[s.node].type != "info")
    remaining = _remaining(flow, state)
    return done, done + remaining


def _remaining(flow: Flow, state: FlowState) -> int:
    """Questions still to ask on the longest path from here, given the answers so far."""
    if state.stage == "recap":
        return 0
    seen: set[str] = set()
    count = 0
    node_id: str | None = state.node
    while node_id and node_id not in seen:
        seen.add(node_id)
        node = flow.nodes[node_id]
        if node.type in TERMINAL:
            break
        # A question whose condition reads facts not yet answered may still be asked.
        pending = node.ask_if is not None and bool(
            facts_used(node.ask_if, flow.definitions) - state.answers.keys()
        )
        applies = (
            node.ask_if is None or pending or evaluate(node.ask_if, state.answers, flow.definitions)
        )
        if applies and node.type in {"question", "date"}:
            count += 1
        node_id = node.next
    return count


def _copy(state: FlowState, now: float) -> FlowState:
    """A new state one step later (a plain copy: `asdict` dominated the path enumeration)."""
    return FlowState(
        flow=state.flow,
        node=state.node,
        answers=dict(state.answers),
        steps=[Step(s.node, list(s.facts)) for s in state.steps],
        stage=state.stage,
        seq=state.seq + 1,
        updated_at=now or state.updated_at,
    )


def _settle(flow: Flow, state: FlowState, target: str) -> dict[str, str]:
    """Move to `target`, skipping questions that do not apply; return the facts skipped."""
    skipped: dict[str, str] = {}
    visited: set[str] = set()
    while True:
        if target in visited:
            raise FlowError(f"cycle at {target}")
        visited.add(target)
        node = flow.nodes[target]
        if node.type in TERMINAL:
            state.node = target
            state.stage = "recap"
            return skipped
        answers = {**state.answers, **skipped}
        if node.ask_if is None or evaluate(node.ask_if, answers, flow.definitions):
            state.node = target
            state.stage = "ask"
            return skipped
        if node.fact is not None:
            fact = flow.facts.get(node.fact)
            if fact is not None and fact.skip_value is not None:
                skipped[node.fact] = fact.skip_value
        if node.next is None:
            raise FlowError(f"node {node.id} has no next node")
        target = node.next
