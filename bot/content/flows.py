"""Load `content/flows/*.yaml`: read, validate (`flow_schema`), lint (`flow_lint`).

Besides the schema, a flow must be a proper decision tree: every node
reachable, no cycle, every path ending in a verdict, every value known, and,
checked by walking every answer path with the real engine, exactly one
verdict for each path and every declared invariant true.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.content.document_lint import lint_documents
from bot.content.errors import Problem
from bot.content.flow_lint import lint_flow_spec, lint_paths, lint_texts
from bot.content.flow_schema import FlowFile, build_flow
from bot.content.schema_errors import schema_problems
from bot.content.yamlsource import read_yaml
from bot.core.flows.model import Flow

__all__ = ["FlowFile", "build_flow", "load_flows"]


def load_flows(
    folder: Path,
    display: Callable[[Path], str],
    digest: Any = None,
    *,
    declared: set[str] | None = None,
    exhaustive: bool = True,
) -> tuple[dict[str, Flow], list[Problem]]:
    """Valid flows by id, and the problems; `declared` receives every flow id
    the files declare, valid or not (the file name when it cannot be read)."""
    flows: dict[str, Flow] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return flows, problems
    for path in sorted(folder.glob("*.yaml")):
        if digest is not None:
            digest.update(path.read_bytes())
        doc, found = read_yaml(path, display(path))
        problems += found
        if declared is not None:
            header = doc.data.get("flow") if doc and isinstance(doc.data, dict) else None
            flow_id = header.get("id") if isinstance(header, dict) else None
            declared.add(flow_id if isinstance(flow_id, str) else path.stem)
        if doc is None:
            continue
        try:
            spec = FlowFile.model_validate(doc.data)
        except ValidationError as exc:
            problems += schema_problems(doc, exc, FlowFile)
            continue
        structural = lint_flow_spec(spec, doc)
        problems += structural
        if any(not p.warning for p in structural):
            continue
        flow = build_flow(spec)
        if flow.id in flows:
            problems.append(doc.problem(("flow", "id"), f"parcours « {flow.id} » défini deux fois"))
            continue
        try:
            if exhaustive:
                problems += lint_paths(flow, doc)
        except OverflowError as exc:
            problems.append(
                doc.problem(("nodes",), f"parcours trop grand pour être vérifié : {exc}")
            )
            continue
        problems += lint_texts(flow, doc)
        problems += lint_documents(flow, doc)
        flows[flow.id] = flow
    return flows, problems
