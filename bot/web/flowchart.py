"""A guided flow drawn as an SVG diagram, straight from its declarations.

Nodes are laid out top to bottom by their longest distance from the start (flows are
acyclic: `vigie content check` proves it); an edge that skips rows bends out to the
right with the answers that take it.
"""

from __future__ import annotations

from html import escape

from bot.core.flows.model import Flow

BOX_W, BOX_H, ROW, GAP = 460, 38, 64, 24
MARGIN = 16


def _layers(flow: Flow) -> dict[str, int]:
    depth = {flow.start: 0}
    order = [flow.start]
    changed = True
    while changed:  # longest path on a small DAG: relax until stable
        changed = False
        for node_id in list(order):
            node = flow.nodes.get(node_id)
            if node is None:
                continue
            for target in flow.successors(node):
                if target in flow.nodes and depth.get(target, -1) < depth[node_id] + 1:
                    depth[target] = depth[node_id] + 1
                    if target not in order:
                        order.append(target)
                    changed = True
    return depth


def _edge_labels(flow: Flow, source: str, target: str, lang: str) -> str:
    node = flow.nodes[source]
    facts = flow.facts.get(node.fact or "")
    labels = {v.id: v.label(lang) for v in facts.values} if facts is not None else {}
    values = [v for v, t in node.routes.items() if t == target]
    if node.next == target and node.routes:
        values += [v for v in node.choices if v not in node.routes]
    return " / ".join(labels.get(v, v) for v in values)


def _short(text: str, limit: int = 62) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def flow_svg(flow: Flow, lang: str) -> str:
    depth = _layers(flow)
    rows: dict[int, list[str]] = {}
    for node_id, d in sorted(depth.items(), key=lambda kv: kv[1]):
        rows.setdefault(d, []).append(node_id)
    widest = max((len(r) for r in rows.values()), default=1)
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP + 220
    height = MARGIN * 2 + len(rows) * ROW
    where: dict[str, tuple[float, float]] = {}
    for d, ids in rows.items():
        for i, node_id in enumerate(ids):
            where[node_id] = (MARGIN + i * (BOX_W + GAP), MARGIN + d * ROW)
    parts = [
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path class="arrow" d="M0 0L10 5L0 10z"/>'
        "</marker></defs>"
    ]
    bend = 0
    for source, (sx, sy) in where.items():
        for target in flow.successors(flow.nodes[source]):
            if target not in where:
                continue
            tx, ty = where[target]
            label = escape(_short(_edge_labels(flow, source, target, lang), 40))
            if depth[target] - depth[source] == 1:
                x1, x2 = sx + BOX_W / 2, tx + BOX_W / 2
                parts.append(
                    f'<path class="edge" marker-end="url(#arrow)" d="M{x1:.0f} {sy + BOX_H} '
                    f'C{x1:.0f} {sy + BOX_H + 14} {x2:.0f} {ty - 14} {x2:.0f} {ty}"/>'
                )
                if label:
                    parts.append(
                        f'<text class="tick" x="{(x1 + x2) / 2 + 6:.0f}" y="{sy + BOX_H + 17}">'
                        f"{label}</text>"
                    )
            else:
                bend += 1
                out = max(sx, tx) + BOX_W + 18 + (bend % 6) * 22
                y1, y2 = sy + BOX_H / 2, ty + BOX_H / 2
                parts.append(
                    f'<path class="edge" marker-end="url(#arrow)" d="M{sx + BOX_W} {y1} '
                    f'C{out} {y1} {out} {y2} {tx + BOX_W} {y2}"/>'
                )
                if label:
                    parts.append(
                        f'<text class="tick" x="{sx + BOX_W + 6}" y="{sy + BOX_H / 2 - 5}">'
                        f"{label}</text>"
                    )
    for node_id, (x, y) in where.items():
        node = flow.nodes[node_id]
        terminal = node.type in ("verdict", "score")
        text = node.text(lang) or node_id
        if node.ask_if is not None:
            text = ("(si applicable) " if lang == "fr" else "(if applicable) ") + text
        parts.append(
            f'<g class="node{" end" if terminal else ""}"><rect x="{x}" y="{y}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="8"/><text x="{x + 10}" y="{y + 23}">{escape(_short(text))}'
            f"</text><title>{escape(node_id)} : {escape(text)}</title></g>"
        )
    title = escape(flow.title(lang))
    return (
        f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg"><title>{title}</title>'
        + "".join(parts)
        + "</svg>"
    )
