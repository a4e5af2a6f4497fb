"""The guided flows in conversation: one question at a time, buttons, recap, result.

Every button carries the step number it was drawn for; a press is only
accepted for the step the session is at, so an old or forged button gets
"this button has expired", never a jump.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.core import callbacks, render
from bot.core.content import Content
from bot.core.drafts.render import render_action_plan, render_documents
from bot.core.events import CountEvent
from bot.core.flows import engine, freetext
from bot.core.flows.dates import OTHER, PRESETS, DateError, parse_moment, preset_moment
from bot.core.flows.decide import NoVerdictError, decide, score
from bot.core.flows.engine import FlowError, FlowState
from bot.core.flows.model import Flow, Node
from bot.core.flows.results import answer_label, render_score, render_verdict
from bot.core.html import escape
from bot.core.reply import Button, Reply, rows
from bot.core.session import Session


@dataclass
class Turn:
    replies: list[Reply] = field(default_factory=list)
    effects: list[object] = field(default_factory=list)


def _button(state: FlowState, label: str, op: str) -> Button:
    return Button(label, callbacks.encode("f", state.seq, op))


# Session.extra key: the last step number a finished or cancelled run used.
_LAST_SEQ = "flow_seq"


def start(content: Content, session: Session, flow: Flow, lang: str, now: datetime) -> Turn:
    state = engine.start(flow, now.timestamp())
    # Step numbers never repeat in a session, across runs and flows: a button left
    # from an earlier run (or from the other flow) expires instead of answering this
    # one. The clock covers a session erased by /oubli, whose counter is gone.
    last = session.extra.get(_LAST_SEQ, "")
    used = max(int(last) if last.isascii() and last.isdigit() else 0, _seq(session))
    state.seq = max(used + 1, int(now.timestamp()))
    session.flow = state
    intro = Reply(f"<b>{escape(flow.title(lang))}</b>\n\n{flow.intro(lang)}")
    # Anonymous: which flow, never who; the console plots started against finished.
    return Turn([intro, show(content, flow, session.flow, lang)], [CountEvent(f"start:{flow.id}")])


def _seq(session: Session) -> int:
    return session.flow.seq if session.flow is not None else 0


def end(session: Session) -> None:
    """Forget the run's answers, keeping only its last step number (see `start`)."""
    if session.flow is not None:
        session.extra[_LAST_SEQ] = str(session.flow.seq)
    session.flow = None


def show(content: Content, flow: Flow, state: FlowState, lang: str) -> Reply:
    """The reply for where the flow is: a question, a date question, or the recap."""
    ui = content.ui
    if state.stage == "recap":
        return _recap(content, flow, state, lang)
    node = engine.current(flow, state)
    done, total = engine.progress(flow, state)
    hint = ui.get("flow.progress", lang, n=done + 1, total=max(total, done + 1))
    if state.stage == "await_date":
        return Reply(
            ui.get("date.prompt", lang), rows([_button(state, ui.get("flow.back", lang), "b")])
        )
    labels = _labels(flow, node, lang, content)
    choice_buttons = [_button(state, label, f"c{i}") for i, label in enumerate(labels)]
    controls = [_button(state, "?", "h")]
    if state.steps and any(s.node for s in state.steps):
        controls.append(_button(state, ui.get("flow.back", lang), "b"))
    controls.append(_button(state, ui.get("flow.cancel", lang), "x"))
    text = f"<i>{escape(hint)}</i>\n\n<b>{escape(node.text(lang))}</b>"
    return Reply(text, (*rows(choice_buttons), tuple(controls)))


def _labels(flow: Flow, node: Node, lang: str, content: Content) -> list[str]:
    if node.type == "date":
        return [content.ui.get(f"date.{key}", lang) for key in node.choices]
    if node.type == "info":
        return [content.ui.get("flow.continue", lang)]
    fact = flow.facts[node.fact or ""]
    found = [(v, fact.value(v)) for v in node.choices]
    return [value.label(lang) if value else v for v, value in found]


def _recap(content: Content, flow: Flow, state: FlowState, lang: str) -> Reply:
    ui = content.ui
    lines = [f"<b>{escape(ui.get('flow.recap', lang))}</b>", ""]
    edit_buttons: list[Button] = []
    for i, (node, value) in enumerate(engine.answered(flow, state), start=1):
        label = answer_label(flow, node, value, lang)
        lines.append(f"{i}. {escape(node.text(lang))}\n   → <b>{escape(label)}</b>")
        edit_buttons.append(_button(state, ui.get("flow.edit", lang, n=i), f"e{i - 1}"))
    buttons = [_button(state, ui.get("flow.confirm", lang), "ok")]
    controls = (
        _button(state, ui.get("flow.back", lang), "b"),
        _button(state, ui.get("flow.cancel", lang), "x"),
    )
    return Reply("\n".join(lines), (*rows(buttons), *rows(edit_buttons, per_row=4), controls))


def resume_prompt(content: Content, flow: Flow, state: FlowState, lang: str) -> Reply:
    ui = content.ui
    return Reply(
        ui.get("flow.resume_prompt", lang, title=escape(flow.title(lang))),
        (
            (
                _button(state, ui.get("flow.resume", lang), "rs"),
                _button(state, ui.get("flow.restart", lang), "nw"),
            ),
        ),
    )


def is_stale(content: Content, state: FlowState) -> bool:
    """Whether a reload removed the run's flow, or a step it is at or went through."""
    flow = content.flows.get(state.flow)
    if flow is None:
        return True
    return state.node not in flow.nodes or any(
        s.node and s.node not in flow.nodes for s in state.steps
    )


def is_idle(content: Content, state: FlowState, now: datetime) -> bool:
    limit = content.association.flow_resume_after_hours * 3600
    return bool(state.updated_at) and now.timestamp() - state.updated_at > limit


def press(
    content: Content, session: Session, args: tuple[str, ...], lang: str, now: datetime
) -> Turn:
    """A flow button: `args` is (seq, op)."""
    state = session.flow
    flow = content.flows.get(state.flow) if state else None
    if state is None or flow is None or len(args) != 2 or args[0] != str(state.seq):
        return Turn([render.expired(content, lang)])
    op = args[1]
    ts = now.timestamp()
    if op not in {"rs", "nw", "x"} and is_idle(content, state, now):
        return Turn([resume_prompt(content, flow, state, lang)])
    try:
        if op == "h":
            node = engine.current(flow, state)
            help_text = node.help(lang) or content.ui.get("flow.no_help", lang)
            return Turn([Reply(f"ℹ️ {escape(help_text)}")])
        if op == "x":
            end(session)
            return Turn(
                [Reply(content.ui.get("flow.cancelled", lang), render.main_menu(content, lang))]
            )
        if op in {"r", "nw"}:
            return start(content, session, flow, lang, now)
        if op == "rs":
            session.flow = engine._copy(state, ts)  # a fresh step number
            return Turn([show(content, flow, session.flow, lang)])
        if op == "b":
            session.flow = engine.back(flow, state, ts)
        elif op == "ok":
            if state.stage != "recap":
                return Turn([render.expired(content, lang)])
            return finish(content, session, flow, lang, now)
        elif (index := _op_index(op, "e")) is not None:
            answered = engine.answered(flow, state)
            if state.stage != "recap" or index >= len(answered):
                return Turn([render.expired(content, lang)])
            session.flow = engine.edit(flow, state, answered[index][0].id, ts)
        elif (index := _op_index(op, "c")) is not None:
            session.flow = _choose_index(flow, state, index, now)
        else:
            return Turn([render.expired(content, lang)])
    except FlowError:
        return Turn([render.expired(content, lang)])
    return Turn([show(content, flow, session.flow, lang)])


_INDEX = re.compile(r"0|[1-9][0-9]{0,2}")


def _op_index(op: str, prefix: str) -> int | None:
    """The index of an op like "c2" or "e10", exactly as `_button` writes it.

    ASCII digits without a leading zero only: `str.isdigit` also accepts "²"
    (on which `int` raises) and "c01" would be a second spelling of "c1".
    """
    if not op.startswith(prefix) or not _INDEX.fullmatch(op[len(prefix) :]):
        return None
    return int(op[len(prefix) :])


def _choose_index(flow: Flow, state: FlowState, index: int, now: datetime) -> FlowState:
    node = engine.current(flow, state)
    if state.stage != "ask":
        raise FlowError("not asking")
    offered = engine.offered(flow, node)
    if index >= len(offered):
        raise FlowError("no such choice")
    value = offered[index]
    ts = now.timestamp()
    if node.type == "date":
        if value == OTHER:
            return engine.await_date(flow, state, ts)
        if value not in PRESETS:
            raise FlowError("unknown preset")
        return engine.set_date(flow, state, preset_moment(value, now).iso(), ts)
    return engine.choose(flow, state, value, ts)


def stay(content: Content, session: Session, lang: str) -> Turn | None:
    """Typed text that answers no button and is no clear question: ask again, in the flow."""
    state = session.flow
    flow = content.flows.get(state.flow) if state else None
    if state is None or flow is None or state.stage != "ask" or state.node not in flow.nodes:
        return None
    hint = Reply(content.ui.get("flow.tap_a_button", lang))
    return Turn([hint, show(content, flow, state, lang)])


def text(content: Content, session: Session, typed: str, lang: str, now: datetime) -> Turn | None:
    """Typed text during a flow: a date, a choice, or None (a new question)."""
    state = session.flow
    flow = content.flows.get(state.flow) if state else None
    if state is None or flow is None:
        return None
    if state.stage == "await_date":
        try:
            moment = parse_moment(typed, now)
        except DateError as exc:
            key = "date.future" if str(exc) == "future" else "date.invalid"
            return Turn([Reply(content.ui.get(key, lang)), show(content, flow, state, lang)])
        session.flow = engine.set_date(flow, state, moment.iso(), now.timestamp())
        return Turn([show(content, flow, session.flow, lang)])
    if state.stage != "ask":
        return None
    node = engine.current(flow, state)
    index = match_choice(flow, node, typed, lang, content)
    if index is None:
        return None
    try:
        session.flow = _choose_index(flow, state, index, now)
    except FlowError:
        return None
    return Turn([show(content, flow, session.flow, lang)])


def match_choice(flow: Flow, node: Node, typed: str, lang: str, content: Content) -> int | None:
    """The index of the choice that free text means ("ouais", "je sais pas"), or None."""
    labels = _labels(flow, node, lang, content)
    offered = list(engine.offered(flow, node))
    fact = flow.facts.get(node.fact or "")
    values = [fact.value(v) if fact else None for v in offered]
    words = [value.words if value else () for value in values]
    return freetext.choice(typed, offered, labels, words)


def finish(content: Content, session: Session, flow: Flow, lang: str, now: datetime) -> Turn:
    """Deliver the result and forget the answers: only an anonymous counter remains."""
    state = session.flow
    assert state is not None
    terminal = engine.current(flow, state)
    turn = Turn()
    if terminal.type == "score":
        result = score(flow, state.answers)
        turn.replies.append(render_score(content, result, lang))
        plan = render_action_plan(content, result, lang, now)
        if plan is not None:
            turn.replies.append(plan)
        bucket = "high" if result.score >= 80 else "medium" if result.score >= 50 else "low"
        turn.effects.append(CountEvent(f"score:{flow.id}:{bucket}"))
    else:
        try:
            verdict = decide(flow, state.answers, now)
        except NoVerdictError:
            end(session)
            return Turn([render.fallback(content, lang)])
        turn.replies.append(render_verdict(content, verdict, lang, now))
        turn.replies.append(render_documents(content, verdict, state.answers, lang, now))
        turn.effects.append(CountEvent(f"verdict:{flow.id}:{verdict.verdict.id}"))
    end(session)
    return turn
