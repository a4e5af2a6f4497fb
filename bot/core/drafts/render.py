"""The message that brings the documents: what each file is for, and the files."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.core.content import Content
from bot.core.drafts.action_plan import action_plan
from bot.core.drafts.breach import breach_documents
from bot.core.drafts.model import DraftDocument
from bot.core.flows.decide import ScoreResult, VerdictResult
from bot.core.html import escape
from bot.core.reply import Document, Reply


def render_documents(
    content: Content, result: VerdictResult, answers: Mapping[str, str], lang: str, now: datetime
) -> Reply:
    """The breach drafts (notification, register entry, patient letter) as files."""
    drafts = breach_documents(content, result, answers, lang, now)
    if not drafts:
        return Reply(content.ui.get("documents.none", lang))
    return _with_files(content, drafts, lang)


def render_action_plan(
    content: Content, result: ScoreResult, lang: str, now: datetime
) -> Reply | None:
    draft = action_plan(content, result, lang, now)
    return _with_files(content, [draft], lang) if draft else None


def _with_files(content: Content, drafts: list[DraftDocument], lang: str) -> Reply:
    ui = content.ui
    lines = [escape(ui.get("documents.intro", lang)), ""]
    documents: list[Document] = []
    for draft in drafts:
        purpose = ui.get(f"documents.purpose.{draft.key}", lang)
        lines.append(f"• <b>{escape(draft.filename)}</b> : {escape(purpose)}")
        documents.append(Document(draft, purpose))
    return Reply("\n".join(lines), documents=tuple(documents))
