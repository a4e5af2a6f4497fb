"""The security self-check's action plan: each action with why, how, a box, references."""

from __future__ import annotations

import html
import re
from datetime import datetime

from bot.core.content import Content
from bot.core.drafts.breach import filename
from bot.core.drafts.model import DraftDocument, parse
from bot.core.flows.dates import format_local
from bot.core.flows.decide import Action, ScoreResult
from bot.core.templates import fill

ACTION_PLAN = "action_plan"
PLAN_PLACEHOLDERS = frozenset({"today", "score", "actions"})

_LEAD = re.compile(r"<b>(.+?)</b>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def action_plan(
    content: Content, result: ScoreResult, lang: str, now: datetime
) -> DraftDocument | None:
    template = result.flow.documents.get(ACTION_PLAN)
    if template is None:
        return None
    values = {
        **content.association.placeholders(lang),
        "today": format_local(now, lang),
        "score": str(result.score),
        "actions": "\n".join(_action(content, i, a, lang) for i, a in enumerate(result.actions, 1))
        or content.ui.get("score.perfect", lang),
    }
    blocks = parse(fill(template(lang), values))
    return DraftDocument(ACTION_PLAN, filename(ACTION_PLAN, lang, now), lang, blocks)


def _action(content: Content, number: int, action: Action, lang: str) -> str:
    ui = content.ui
    topic = content.answers.get(action.check.topic or "")
    localized = topic.in_lang(lang) if topic else None
    title = localized.title if localized else action.node.text(lang)
    lines = [f"## {number}. {_one_line(title)}"]
    lines.append(f"- [ ] **{ui.get('plan.how', lang)}** {_one_line(action.check.action(lang))}")
    if action.answer == "unknown":
        lines.append(_one_line(ui.get("score.unknown", lang)))
    lead = _LEAD.search(localized.text) if localized else None
    if lead:
        lines.append(f"**{ui.get('plan.why', lang)}** {_plain(lead.group(1))}")
    if localized and localized.sources:
        lines.append(f"*{ui.get('plan.references', lang)} {_plain(localized.sources)}*")
    return "\n".join(lines)


def _plain(text: str) -> str:
    return _one_line(html.unescape(_TAG.sub("", text)))


def _one_line(text: str) -> str:
    return " ".join(text.split())
