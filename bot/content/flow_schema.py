"""The schema of `content/flows/*.yaml`, and building the core's `Flow` from it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.core.flows.model import (
    TERMINAL,
    CheckItem,
    Fact,
    Flow,
    NextStep,
    Node,
    Note,
    Reason,
    Text,
    Value,
    Verdict,
)
from bot.core.limits import MAX_ID_CHARS

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=MAX_ID_CHARS)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
OUTPUT_KEYS = ("notify_authority", "inform_data_subjects", "document", "inform_controller")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Bilingual(_Strict):
    fr: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)]


class _Header(_Strict):
    id: Slug
    title: _Bilingual
    intro: _Bilingual
    start: Slug
    deadline_hours: int | None = Field(default=None, ge=1)


class _ValueSpec(_Bilingual):
    words: list[Annotated[str, StringConstraints(min_length=2)]] = Field(default_factory=list)


class _FactSpec(_Strict):
    values: dict[str, _ValueSpec] = Field(min_length=1)
    skip_value: str | None = None


class _CheckSpec(_Strict):
    weight: int = Field(ge=1, le=10)
    priority: int = Field(ge=1, le=9)
    topic: str | None = None
    action: _Bilingual


class _NodeSpec(_Strict):
    type: Literal["question", "date", "info", "verdict", "score"]
    fact: Slug | None = None
    text: _Bilingual | None = None
    help: _Bilingual | None = None
    choices: list[str] | None = None
    routes: dict[str, Slug] = Field(default_factory=dict)
    next: Slug | None = None
    ask_if: dict[str, Any] | None = None
    check: _CheckSpec | None = None


class _ReasonSpec(_Strict):
    text: _Bilingual
    articles: list[str] = Field(default_factory=list)


class _VerdictSpec(_Strict):
    id: Slug
    when: dict[str, Any]
    outputs: dict[
        Literal["notify_authority", "inform_data_subjects", "document", "inform_controller"], bool
    ]
    summary: _Bilingual
    reasons: list[_ReasonSpec] = Field(min_length=1)


class _NoteSpec(_Strict):
    id: Slug
    when: dict[str, Any]
    text: _Bilingual
    articles: list[str] = Field(default_factory=list)


class _NextStepSpec(_Strict):
    when: dict[str, Any] | None = None
    text: _Bilingual


class _Invariant(_Strict):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)
    if_: Name = Field(alias="if")
    then: Name


class FlowFile(_Strict):
    flow: _Header
    facts: dict[Slug, _FactSpec] = Field(default_factory=dict)
    definitions: dict[Name, dict[str, Any]] = Field(default_factory=dict)
    nodes: dict[Slug, _NodeSpec] = Field(min_length=1)
    verdicts: list[_VerdictSpec] = Field(default_factory=list)
    notes: list[_NoteSpec] = Field(default_factory=list)
    invariants: list[_Invariant] = Field(default_factory=list)
    # One text shown after every verdict, or items each with an optional condition.
    next_steps: _Bilingual | list[_NextStepSpec] | None = None
    documents: dict[Slug, _Bilingual] = Field(default_factory=dict)


def _text(spec: _Bilingual | None) -> Text:
    return Text({"fr": spec.fr, "en": spec.en}) if spec else Text({})


def build_flow(spec: FlowFile) -> Flow:
    facts = {
        fid: Fact(
            fid,
            tuple(Value(v, _text(spec), tuple(spec.words)) for v, spec in f.values.items()),
            f.skip_value,
        )
        for fid, f in spec.facts.items()
    }
    ids = list(spec.nodes)
    nodes: dict[str, Node] = {}
    for position, (nid, n) in enumerate(spec.nodes.items()):
        following = ids[position + 1] if position + 1 < len(ids) else None
        choices: tuple[str, ...] = ()
        if n.type == "question" and n.fact in facts:
            fact = facts[n.fact]
            choices = (
                tuple(n.choices)
                if n.choices is not None
                else tuple(v.id for v in fact.values if v.id != fact.skip_value)
            )
        elif n.type == "date":
            choices = ("today", "yesterday", "day_before", "three_days", "other")
        next_id = n.next if n.next is not None else (None if n.type in TERMINAL else following)
        check = None
        if n.check is not None:
            check = CheckItem(
                n.check.weight, n.check.priority, n.check.topic, _text(n.check.action)
            )
        nodes[nid] = Node(
            nid,
            n.type,
            _text(n.text),
            _text(n.help),
            n.fact,
            choices,
            dict(n.routes),
            next_id,
            n.ask_if,
            check,
        )
    return Flow(
        id=spec.flow.id,
        title=_text(spec.flow.title),
        intro=_text(spec.flow.intro),
        start=spec.flow.start,
        facts=facts,
        nodes=nodes,
        definitions=dict(spec.definitions),
        verdicts=tuple(
            Verdict(
                v.id,
                v.when,
                {str(key): flag for key, flag in v.outputs.items()},
                _text(v.summary),
                tuple(Reason(_text(r.text), tuple(r.articles)) for r in v.reasons),
            )
            for v in spec.verdicts
        ),
        notes=tuple(Note(n.id, n.when, _text(n.text), tuple(n.articles)) for n in spec.notes),
        invariants=tuple((i.if_, i.then) for i in spec.invariants),
        next_steps=_next_steps(spec.next_steps),
        documents={k: _text(v) for k, v in spec.documents.items()},
        deadline_hours=spec.flow.deadline_hours,
    )


def _next_steps(spec: _Bilingual | list[_NextStepSpec] | None) -> tuple[NextStep, ...]:
    if spec is None:
        return ()
    if isinstance(spec, list):
        return tuple(NextStep(item.when, _text(item.text)) for item in spec)
    return (NextStep(None, _text(spec)),)
