"""Check a flow's document templates: only bare `{name}` placeholders, known documents.

A template is content an editor changes; a format spec (`{x:>99999999}`), a
conversion (`{x!r}`), an attribute or an index (`{x.y}`, `{x[0]}`) could crash the
bot or leak more than a label, so `vigie content check` refuses them with file:line.
"""

from __future__ import annotations

import re

from bot.content.errors import Problem
from bot.content.yamlsource import YamlDocument
from bot.core.drafts.action_plan import ACTION_PLAN
from bot.core.drafts.breach import BREACH_KEYS
from bot.core.flows.model import Flow

# The association's details every document may use (Association.placeholders).
ASSOCIATION_PLACEHOLDERS = frozenset(
    {
        "association_name",
        "contact_email",
        "contact_phone",
        "contact_hours",
        "contact_response_time",
        "dpo_contact",
        "privacy_policy_url",
    }
)
KNOWN_DOCUMENTS = frozenset({*BREACH_KEYS, ACTION_PLAN})

_BRACED = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}")
_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def lint_documents(flow: Flow, doc: YamlDocument) -> list[Problem]:
    problems: list[Problem] = []
    for key, template in flow.documents.items():
        if key not in KNOWN_DOCUMENTS:
            problems.append(
                doc.problem(
                    ("documents", key),
                    f"document inconnu « {key} » (connus : {', '.join(sorted(KNOWN_DOCUMENTS))})",
                )
            )
        for lang in ("fr", "en"):
            text = template.by_lang.get(lang, "")
            for number, line in enumerate(text.splitlines()):
                for match in _BRACED.finditer(line):
                    inner = match.group(1)
                    if inner is None or _BARE.fullmatch(inner) or not _decorated(inner):
                        continue
                    problems.append(
                        doc.text_problem(
                            ("documents", key, lang),
                            number,
                            f"variable « {{{inner}}} » non permise : écrivez seulement "
                            "{nom}, sans format, conversion, attribut ni index "
                            "(et {{ ou }} pour une accolade)",
                        )
                    )
    return problems


def _decorated(inner: str) -> bool:
    """A name followed by a format spec, a conversion, an attribute or an index."""
    return any(mark in inner for mark in ":!.[")
