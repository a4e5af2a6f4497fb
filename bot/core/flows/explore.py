"""Enumerate every way through a flow, with the real engine.

Used by the content linter (exactly one verdict for every answer path), by
the tests, and by `vigie flow graph`. Small flows only: the breach flow has a
few thousand paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.core.flows import engine
from bot.core.flows.model import TERMINAL, Flow

SAMPLE_DATE = "2026-01-05T09:00:00+01:00"
MAX_PATHS = 200_000


@dataclass(frozen=True)
class Path:
    nodes: tuple[str, ...]
    answers: dict[str, str]
    terminal: str


def paths(flow: Flow) -> Iterator[Path]:
    """Every answer path from the start to a terminal node (dates: one sample value)."""
    stack: list[tuple[engine.FlowState, tuple[str, ...]]] = [(engine.start(flow), (flow.start,))]
    produced = 0
    while stack:
        state, trail = stack.pop()
        node = engine.current(flow, state)
        if state.stage == "recap" or node.type in TERMINAL:
            produced += 1
            if produced > MAX_PATHS:
                raise OverflowError(f"more than {MAX_PATHS} paths")
            yield Path(trail, dict(state.answers), state.node)
            continue
        if node.type == "date":
            after = engine.set_date(flow, state, SAMPLE_DATE)
            stack.append((after, (*trail, after.node)))
            continue
        for value in reversed(engine.offered(flow, node)):
            after = engine.choose(flow, state, value)
            stack.append((after, (*trail, after.node)))


def reachable(flow: Flow) -> set[str]:
    """Nodes reachable from the start through any edge, whatever the conditions."""
    seen: set[str] = set()
    todo = [flow.start]
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in flow.nodes:
            continue
        seen.add(node_id)
        todo.extend(flow.successors(flow.nodes[node_id]))
    return seen


def find_cycle(flow: Flow) -> list[str] | None:
    """A cycle of node ids, or None."""
    colour: dict[str, int] = {}
    trail: list[str] = []

    def visit(node_id: str) -> list[str] | None:
        colour[node_id] = 1
        trail.append(node_id)
        for nxt in flow.successors(flow.nodes[node_id]):
            if nxt not in flow.nodes:
                continue
            if colour.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in colour:
                found = visit(nxt)
                if found:
                    return found
        trail.pop()
        colour[node_id] = 2
        return None

    for node_id in flow.nodes:
        if node_id not in colour:
            found = visit(node_id)
            if found:
                return found
    return None


def mermaid(flow: Flow, lang: str = "fr") -> str:
    """The flow as a Mermaid diagram, generated from the declarations."""
    lines = ["flowchart TD"]
    for node in flow.nodes.values():
        label = (node.text(lang) or node.id).replace('"', "'")
        if len(label) > 70:
            label = label[:67] + "..."
        shape = ('(["', '"])') if node.type in TERMINAL else ('["', '"]')
        if node.ask_if is not None:
            label += " (si applicable)" if lang == "fr" else " (if applicable)"
        lines.append(f"    {node.id}{shape[0]}{label}{shape[1]}")
    for node in flow.nodes.values():
        routed = set(node.routes)
        for value, target in node.routes.items():
            lines.append(f"    {node.id} -- {value} --> {target}")
        if node.next:
            rest = [v for v in node.choices if v not in routed]
            tag = "|".join(rest) if routed and rest else ""
            lines.append(
                f"    {node.id} -- {tag} --> {node.next}"
                if tag
                else f"    {node.id} --> {node.next}"
            )
    for verdict in flow.verdicts:
        lines.append(f"    %% verdict {verdict.id}: {verdict.summary(lang)}")
    return "\n".join(lines) + "\n"
