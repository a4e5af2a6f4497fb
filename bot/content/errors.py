"""Content problems, reported all at once as `file:line:col: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "avertissement : " if self.warning else ""
        return f"{self.path}:{self.line}:{self.column}: {kind}{self.message}"


class ContentError(Exception):
    """Raised with every problem found, sorted, so an editor can fix them in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
