"""Fill `{name}` placeholders in content texts, and say what is wrong with a template.

Content texts (interface texts, answers, flow drafts) are written by editors, not
programmers. Python's `str.format` would also obey a format spec or a conversion:
`{name:>300000000}` builds a 300-million-character reply, `{name:d}` raises on
every use. Here a placeholder is a bare name and nothing else: the loader refuses
anything more (`problem`), and `fill` never applies a spec, so even a text that
skipped the loader cannot allocate more than its own length plus its values.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Set

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What the loader puts in each placeholder to render a template once: as long as a
# real value may plausibly be (a flow title, a date, an association name).
SAMPLE_VALUE = "x" * 80


def problem(template: str, allowed: Set[str]) -> str | None:
    """What is wrong with the placeholders of `template`, in French, or None."""
    expected = ", ".join("{" + name + "}" for name in sorted(allowed)) or "aucune"
    try:
        fields = [(n, s, c) for _, n, s, c in string.Formatter().parse(template) if n is not None]
    except ValueError:
        return (
            "accolade « { » ou « } » seule : écrivez {{ ou }} pour afficher une accolade "
            f"(variables possibles : {expected})"
        )
    for name, spec, conversion in fields:
        written = (
            "{"
            + name
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
        if spec or conversion:
            return (
                f"variable mal écrite {written} : rien après le nom entre accolades, "
                f"ni « : » ni « ! » (variables possibles : {expected})"
            )
        if not _NAME.fullmatch(name):
            return f"variable mal écrite {written} (variables possibles : {expected})"
        if name not in allowed:
            return f"variable inconnue {name} (variables possibles : {expected})"
    return None


def fill(template: str, values: Mapping[str, object]) -> str:
    """`template` with each `{name}` replaced by `str(values[name])`; `{{` reads `{`.

    Format specs and conversions are never applied; an unknown or malformed
    placeholder is kept as written. The loader has already refused both.
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return template
    parts: list[str] = []
    for literal, name, spec, conversion in parsed:
        parts.append(literal)
        if name is None:
            continue
        if name in values:
            parts.append(str(values[name]))
        else:
            tail = (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            parts.append("{" + name + tail + "}")
    return "".join(parts)


def sample(template: str, names: Set[str]) -> str:
    """`template` rendered once with a plausible value for each name, to bound its length."""
    return fill(template, dict.fromkeys(names, SAMPLE_VALUE))
