"""The document model: a title and blocks of runs, built from a template's light markup.

Markup, one block per line (blank lines only separate):
``# Title``, ``## Heading``, ``- bullet``, ``- [ ] box to tick``, a line wholly in
``*...*`` is a note (italic), ``**bold**`` inside a line, and ``[À COMPLÉTER ...]`` /
``[TO COMPLETE ...]`` are the places the member fills in (highlighted in the file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["title", "heading", "paragraph", "bullet", "checkbox", "note"]


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    # A place the member fills in: "[À COMPLÉTER : ...]".
    to_complete: bool = False


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class DraftDocument:
    """One file: `key` says which (notification, register, patient_letter, action_plan)."""

    key: str
    filename: str
    lang: str
    blocks: tuple[Block, ...]

    @property
    def title(self) -> str:
        return next((b.text for b in self.blocks if b.kind == "title"), self.filename)

    def plain_text(self) -> str:
        """The document as plain text (console, `vigie flow run` without --out)."""
        prefix = {"title": "# ", "heading": "## ", "bullet": "- ", "checkbox": "[ ] "}
        lines: list[str] = []
        for block in self.blocks:
            if block.kind in {"title", "heading"} and lines:
                lines.append("")
            lines.append(prefix.get(block.kind, "") + block.text)
            if block.kind in {"title", "heading"}:
                lines.append("")
        return "\n".join(lines).strip() + "\n"


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TO_COMPLETE = re.compile(r"\[(?:À COMPLÉTER|à compléter|TO COMPLETE|to complete)[^\]]*\]")


def parse(text: str) -> tuple[Block, ...]:
    """Blocks from filled-in markup; never raises, whatever the text."""
    blocks: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        kind: BlockKind = "paragraph"
        italic = False
        if line.startswith("## "):
            kind, line = "heading", line[3:]
        elif line.startswith("# "):
            kind, line = "title", line[2:]
        elif line.startswith("- [ ] "):
            kind, line = "checkbox", line[6:]
        elif line.startswith("- "):
            kind, line = "bullet", line[2:]
        elif len(line) > 2 and line[0] == "*" and line[-1] == "*" and line[1] != "*":
            kind, line, italic = "note", line[1:-1], True
        blocks.append(Block(kind, _runs(line.strip(), italic)))
    return tuple(blocks)


def _runs(line: str, italic: bool) -> tuple[Run, ...]:
    runs: list[Run] = []
    position = 0
    for match in _BOLD.finditer(line):
        runs += _plain_runs(line[position : match.start()], italic, bold=False)
        runs += _plain_runs(match.group(1), italic, bold=True)
        position = match.end()
    runs += _plain_runs(line[position:], italic, bold=False)
    return tuple(runs)


def _plain_runs(text: str, italic: bool, *, bold: bool) -> list[Run]:
    runs: list[Run] = []
    position = 0
    for match in _TO_COMPLETE.finditer(text):
        if match.start() > position:
            runs.append(Run(text[position : match.start()], bold, italic))
        runs.append(Run(match.group(0), bold, italic, to_complete=True))
        position = match.end()
    if position < len(text):
        runs.append(Run(text[position:], bold, italic))
    return runs
