"""Fill `{name}` placeholders in a document template, safely.

Only bare names are placeholders: no attribute, index, conversion or format spec
(`vigie content check` rejects them), and nothing here can raise on a hostile
template: an unknown or malformed placeholder stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(template: str, values: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        return values.get(name, token)

    return PLACEHOLDER.sub(replace, template)


def names(template: str) -> list[str]:
    """The placeholder names a template uses, in order."""
    return [m.group(1) for m in PLACEHOLDER.finditer(template) if m.group(1)]
