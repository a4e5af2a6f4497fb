"""Check a flow's `documents:` keys: each names a document Vigie knows how to send.

The placeholders inside the templates (bare names only, no format spec or
conversion) are checked by `flow_lint.lint_texts` with `bot.core.templates`.
"""

from __future__ import annotations

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


def lint_documents(flow: Flow, doc: YamlDocument) -> list[Problem]:
    return [
        doc.problem(
            ("documents", key),
            f"document inconnu « {key} » (connus : {', '.join(sorted(KNOWN_DOCUMENTS))})",
        )
        for key in flow.documents
        if key not in KNOWN_DOCUMENTS
    ]
