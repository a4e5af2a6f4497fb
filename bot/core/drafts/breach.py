"""The breach flow's documents: CNIL notification draft, register entry, patient letter.

Built from the flow's `documents:` templates with the answers given, the verdict's
reasons and sources, and the association's details; nothing is kept once sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.core.content import Content
from bot.core.drafts.model import DraftDocument, parse
from bot.core.flows.dates import format_local
from bot.core.flows.decide import VerdictResult
from bot.core.flows.model import Flow, Note, Reason
from bot.core.flows.references import references
from bot.core.flows.results import answer_label, date_label
from bot.core.templates import fill

# Which template each verdict output calls for, in the order they are sent.
BREACH_KEYS = ("notification", "register", "patient_letter")

# File names (without the date): fixed here, so content can never name a file.
FILE_NAMES: Mapping[str, Mapping[str, str]] = {
    "notification": {"fr": "vigie-notification-cnil", "en": "vigie-cnil-notification"},
    "register": {"fr": "vigie-registre-violations", "en": "vigie-breach-register"},
    "patient_letter": {"fr": "vigie-lettre-patients", "en": "vigie-patient-letter"},
    "action_plan": {"fr": "vigie-plan-actions-securite", "en": "vigie-security-action-plan"},
}

# Placeholders every breach template may use besides {f_<fact>} and the association's.
BREACH_PLACEHOLDERS = frozenset(
    {"today", "aware_at", "deadline", "summary", "reasons", "answers", "delay"}
)


def filename(key: str, lang: str, now: datetime) -> str:
    names = FILE_NAMES[key]
    return f"{names.get(lang, names['fr'])}-{now.strftime('%Y%m%d')}.docx"


def wanted(result: VerdictResult) -> list[str]:
    """The documents a verdict calls for."""
    keys: list[str] = []
    if result.outputs.get("notify_authority"):
        keys.append("notification")
    if result.outputs.get("document"):
        keys.append("register")
    if result.outputs.get("inform_data_subjects"):
        keys.append("patient_letter")
    return keys


def breach_documents(
    content: Content, result: VerdictResult, answers: Mapping[str, str], lang: str, now: datetime
) -> list[DraftDocument]:
    values = breach_values(content, result, answers, lang, now)
    documents: list[DraftDocument] = []
    for key in wanted(result):
        template = result.flow.documents.get(key)
        if template is None:
            continue
        blocks = parse(fill(template(lang), values))
        documents.append(DraftDocument(key, filename(key, lang, now), lang, blocks))
    return documents


def breach_values(
    content: Content, result: VerdictResult, answers: Mapping[str, str], lang: str, now: datetime
) -> dict[str, str]:
    flow = result.flow
    aware = answers.get("aware_at")
    due = result.deadline
    ui = content.ui
    if due is None:
        delay = "—"
    elif due.overdue:
        delay = ui.get("documents.delay.overdue", lang, due=format_local(due.due, lang))
    else:
        delay = ui.get("documents.delay.on_time", lang, due=format_local(due.due, lang))
    reasons: list[Reason | Note] = [*result.verdict.reasons, *result.notes]
    return {
        **content.association.placeholders(lang),
        "today": format_local(now, lang),
        "aware_at": date_label(aware, lang) if aware else "—",
        "deadline": format_local(due.due, lang) if due else "—",
        "delay": delay,
        "summary": result.verdict.summary(lang),
        "reasons": "\n".join(_cited(r.text(lang), r.articles, lang) for r in reasons),
        "answers": recap_lines(flow, answers, lang),
        **fact_labels(flow, answers, lang),
    }


def _cited(text: str, articles: tuple[str, ...], lang: str) -> str:
    return f"- {text} ({references(articles, lang)})" if articles else f"- {text}"


def fact_labels(flow: Flow, answers: Mapping[str, str], lang: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for fact_id, fact in flow.facts.items():
        found = fact.value(answers.get(fact_id, ""))
        values[f"f_{fact_id}"] = found.label(lang) if found else "—"
    return values


def recap_lines(flow: Flow, answers: Mapping[str, str], lang: str) -> str:
    lines: list[str] = []
    for node in flow.nodes.values():
        if node.fact is None or node.fact not in answers or node.type not in {"question", "date"}:
            continue
        value = answers[node.fact]
        fact = flow.facts.get(node.fact)
        if node.type != "date" and (fact is None or value == fact.skip_value):
            continue
        lines.append(f"- {node.text(lang)} **{answer_label(flow, node, value, lang)}**")
    return "\n".join(lines)
