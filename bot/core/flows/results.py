"""Render flow results for a member: the verdict, the deadline, the drafts, the score."""

from __future__ import annotations

from datetime import datetime

from bot.core import callbacks, reminders, render
from bot.core.content import Content
from bot.core.flows.dates import (
    DateError,
    format_day,
    format_local,
    format_remaining,
    is_exact,
    parse_iso,
)
from bot.core.flows.decide import OUTPUTS, ScoreResult, VerdictResult
from bot.core.flows.model import Flow, Node
from bot.core.flows.references import references
from bot.core.html import escape
from bot.core.reply import Button, Reply, rows


def render_verdict(content: Content, result: VerdictResult, lang: str, now: datetime) -> Reply:
    ui = content.ui
    verdict = result.verdict
    lines = [f"<b>{escape(ui.get('verdict.title', lang))}</b> {escape(verdict.summary(lang))}", ""]
    for key in OUTPUTS:
        if key == "inform_controller" and not verdict.outputs.get(key):
            continue
        flag = bool(verdict.outputs.get(key))
        mark = "✅" if flag else "❌"
        lines.append(f"{mark} {escape(ui.get(f'output.{key}.{str(flag).lower()}', lang))}")
    lines += ["", f"<b>{escape(ui.get('verdict.why', lang))}</b>"]
    for reason in verdict.reasons:
        lines.append(f"• {escape(reason.text(lang))}{_cited(reason.articles, lang)}")
    if result.deadline is not None:
        due = result.deadline
        lines.append("")
        if due.overdue:
            lines.append(ui.get("deadline.overdue", lang, due=escape(format_local(due.due, lang))))
        else:
            lines.append(
                ui.get(
                    "deadline.due",
                    lang,
                    due=escape(format_local(due.due, lang)),
                    remaining=escape(format_remaining(due.remaining, lang)),
                )
            )
        if not due.exact:
            lines.append(ui.get("deadline.from_midnight", lang))
    if result.notes:
        lines.append("")
        for note in result.notes:
            lines.append(f"ℹ️ {escape(note.text(lang))}{_cited(note.articles, lang)}")
    steps = [s.text(lang).strip() for s in result.next_steps if s.text(lang).strip()]
    if steps:
        lines += ["", f"<b>{escape(ui.get('verdict.next_steps', lang))}</b>", *steps]
    lines += ["", f"<i>{escape(ui.get('verdict.disclaimer', lang))}</i>"]
    buttons = render.topic_buttons(
        content, ["breach.how_to_notify", "breach.register", "breach.inform_patients"], lang
    )
    if result.deadline is not None and result.outputs.get("notify_authority"):
        buttons.insert(0, reminders.offer_button(content, result.deadline.due, lang))
    buttons.append(render.menu_button(content, lang))
    return Reply("\n".join(lines), rows(buttons))


def answer_label(flow: Flow, node: Node, value: str, lang: str) -> str:
    """How an answer reads for the member: a date in Paris time, or the choice's label."""
    if node.type == "date":
        return date_label(value, lang)
    fact = flow.facts.get(node.fact or "")
    found = fact.value(value) if fact else None
    return found.label(lang) if found else value


def _cited(articles: tuple[str, ...], lang: str) -> str:
    return f" <i>({escape(references(articles, lang))})</i>" if articles else ""


def date_label(value: str, lang: str) -> str:
    try:
        when = parse_iso(value)
    except DateError:
        return value
    return format_local(when, lang) if is_exact(value) else format_day(when, lang)


def render_score(content: Content, result: ScoreResult, lang: str) -> Reply:
    ui = content.ui
    lines = [f"<b>{escape(ui.get('score.title', lang, score=result.score))}</b>", ""]
    if not result.actions:
        lines.append(escape(ui.get("score.perfect", lang)))
    else:
        lines.append(f"<b>{escape(ui.get('score.actions', lang))}</b>")
        for i, action in enumerate(result.actions, start=1):
            unknown = " " + ui.get("score.unknown", lang) if action.answer == "unknown" else ""
            lines.append(f"{i}. {escape(action.check.action(lang))}{escape(unknown)}")
    lines += ["", f"<i>{escape(ui.get('score.privacy', lang))}</i>"]
    topics = list(dict.fromkeys(a.check.topic for a in result.actions if a.check.topic))[:6]
    buttons: list[Button] = render.topic_buttons(content, topics, lang)
    buttons.append(Button(ui.get("menu.notify", lang), callbacks.encode("s", render.BREACH_FLOW)))
    buttons.append(render.menu_button(content, lang))
    return Reply("\n".join(lines), rows(buttons))
