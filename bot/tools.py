"""The non-conversational commands: content check, ask, eval, flows, stats.

Stable output contracts (checks outside this repository read them):
`vigie ask --json`, `vigie eval --json`, `vigie flow run --json`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.adapters.console import html_to_text
from bot.cli_support import CliError, content_root, print_json
from bot.content.example_values import example_values
from bot.content.loader import load_root
from bot.core import render
from bot.core.content import Content
from bot.core.drafts.action_plan import action_plan
from bot.core.drafts.breach import breach_documents
from bot.core.drafts.model import DraftDocument
from bot.core.flows import engine
from bot.core.flows.dates import PARIS, DateError, parse_iso
from bot.core.flows.decide import NoVerdictError, decide, score
from bot.core.flows.explore import mermaid
from bot.core.flows.results import render_score, render_verdict
from bot.core.matching.matcher import Matcher
from bot.core.matching.semantic import Encoder
from bot.evaluation import Item, cross_validate, evaluate
from bot.settings import Settings


def content_check(folder: Path | None) -> int:
    root = folder or content_root(Settings.from_env())
    content, problems = load_root(root)
    if content is not None:  # example values matter once the content is otherwise valid
        problems = sorted([*problems, *example_values(root)])
    for problem in problems:
        print(problem)
    errors = [p for p in problems if not p.warning]
    if errors:
        print(f"{len(errors)} erreur(s) : contenu refusé.", file=sys.stderr)
        return 1
    assert content is not None
    examples = sum(len(p) for i in content.intents.values() for p in i.examples.values())
    print(
        f"contenu valide : {len(content.answers)} réponses, {len(content.intents)} intentions "
        f"({examples} formulations), {len(content.flows)} parcours"
        + (f", {len(problems)} avertissement(s)" if problems else "")
    )
    return 0


def ask(
    content: Content,
    question: str,
    lang: str | None,
    as_json: bool,
    encoder: Encoder | None = None,
) -> int:
    matcher = Matcher(content.intents, encoder=encoder)
    match = matcher.match(question, lang_hint=lang)
    if as_json:
        print_json(match.as_json())
        return 0
    reply, _ = render.for_match(content, match, lang or match.lang)
    print(html_to_text(reply.text))
    for button in reply.all_buttons():
        print(f"  - {button.label}")
    return 0


def _default_eval_file() -> Path:
    return Path(__file__).resolve().parent.parent / "tests" / "eval" / "questions.yaml"


def run_eval(
    content: Content,
    file: str | None,
    as_json: bool,
    cross: bool,
    folds: int,
    details: bool = False,
    encoder: Encoder | None = None,
) -> int:
    if cross:
        report = cross_validate(content.intents, folds=folds, encoder=encoder)
    else:
        path = Path(file) if file else _default_eval_file()
        if not path.is_file():
            raise CliError(f"evaluation file not found: {path}")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CliError(f"{path}: invalid YAML ({exc})") from exc
        if not isinstance(raw, list) or not all(isinstance(i, dict) and "q" in i for i in raw):
            raise CliError(f"{path}: expected a list of {{q: ..., topic: ...}} items")
        unknown = sorted(
            {
                str(i.get("topic"))
                for i in raw
                if i.get("topic") and i.get("topic") not in content.intents
            }
        )
        if unknown:
            raise CliError(f"{path}: unknown topics {', '.join(unknown)}")
        items = [Item(str(i["q"]), i.get("topic")) for i in raw]
        report = evaluate(Matcher(content.intents, encoder=encoder), items)
    if as_json:
        print_json(report.as_json(details))
    else:
        print(report.text(details))
    return 0


def flow_graph(content: Content, flow_id: str, lang: str) -> int:
    flow = content.flows.get(flow_id)
    if flow is None:
        raise CliError(f"unknown flow {flow_id!r} (known: {', '.join(sorted(content.flows))})")
    sys.stdout.write(mermaid(flow, lang))
    return 0


def _read_facts(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.is_file():
        raise CliError(f"facts file not found: {path}")
    text = file.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CliError(f"{path}: cannot parse ({exc})") from exc
    if not isinstance(data, dict):
        raise CliError(f"{path}: expected a mapping of fact ids to value ids")
    return {str(k): v for k, v in data.items()}


def _value(raw: Any) -> str:
    if isinstance(raw, bool):  # YAML's unquoted yes/no
        return "yes" if raw else "no"
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat()
    return str(raw)


def flow_run(
    content: Content,
    flow_id: str,
    facts_file: str,
    now_text: str | None,
    as_json: bool,
    lang: str,
    out: str | None = None,
) -> int:
    flow = content.flows.get(flow_id)
    if flow is None:
        raise CliError(f"unknown flow {flow_id!r} (known: {', '.join(sorted(content.flows))})")
    facts = {k: _value(v) for k, v in _read_facts(facts_file).items()}
    try:
        now = parse_iso(now_text) if now_text else dt.datetime.now(PARIS)
    except DateError as exc:
        raise CliError(f"--now {now_text!r} is not an ISO 8601 date-time") from exc
    state = engine.start(flow)
    path = [state.node]
    while state.stage != "recap":
        node = engine.current(flow, state)
        fact = node.fact
        if node.type == "info":
            state = engine.choose(flow, state, engine.CONTINUE)
        elif fact is None or fact not in facts:
            raise CliError(f"missing fact {fact} (asked at node {node.id})")
        elif node.type == "date":
            try:
                when = parse_iso(facts[fact])
            except DateError as exc:
                raise CliError(
                    f"invalid value {facts[fact]!r} for fact {fact} (asked at node "
                    f"{node.id}; expected an ISO 8601 date-time)"
                ) from exc
            state = engine.set_date(flow, state, when.isoformat())
        else:
            value = facts[fact]
            offered = engine.offered(flow, node)
            if value not in offered:
                raise CliError(
                    f"invalid value {value!r} for fact {fact} (asked at node "
                    f"{node.id}; expected one of {', '.join(offered)})"
                )
            state = engine.choose(flow, state, value)
        path.append(state.node)
    terminal = engine.current(flow, state)
    if terminal.type == "score":
        result = score(flow, state.answers)
        plan = action_plan(content, result, lang, now)
        if as_json:
            report = {"flow": flow.id, "path": path, "score": result.as_json(lang)}
            print_json(report | _written([plan] if plan else [], out))
            return 0
        print(html_to_text(render_score(content, result, lang).text))
        _print_documents([plan] if plan else [], out)
        return 0
    try:
        verdict = decide(flow, state.answers, now)
    except NoVerdictError as exc:
        raise CliError(f"the flow's rules gave no single verdict: {exc}") from exc
    drafts = breach_documents(content, verdict, state.answers, lang, now)
    if as_json:
        report = {"flow": flow.id, "path": path, "verdict": verdict.as_json(lang)}
        print_json(report | _written(drafts, out))
        return 0
    print(html_to_text(render_verdict(content, verdict, lang, now).text))
    _print_documents(drafts, out)
    return 0


def _print_documents(drafts: list[DraftDocument], out: str | None) -> None:
    """With --out, write each document as .docx and print its path; else print its text."""
    if out is None:
        for draft in drafts:
            print()
            print(draft.plain_text(), end="")
        return
    for path in _written(drafts, out)["documents"]:
        print(path)


def _written(drafts: list[DraftDocument], out: str | None) -> dict[str, list[str]]:
    """With --out, write each document as .docx: {"documents": [their paths]}; else {}."""
    if out is None:
        return {}
    from bot.documents.docx import write

    paths: list[str] = []
    for draft in drafts:
        try:
            paths.append(str(write(draft, Path(out))))
        except OSError as exc:
            raise CliError(f"cannot write {draft.filename} into {out}: {exc.strerror}") from exc
    return {"documents": paths}


async def stats(settings: Settings, days: int, as_json: bool) -> int:
    from bot.storage.database import Database, DatabaseError
    from bot.storage.stores import SqliteStats

    since = (dt.date.today() - dt.timedelta(days=days)).isoformat()
    try:
        async with Database(settings.db_path) as db:
            store = SqliteStats(db)
            topics = await store.topics(since)
            events = await store.events(since)
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    if as_json:
        print_json({"topics": [list(t) for t in topics], "events": [list(e) for e in events]})
        return 0
    if not topics and not events:
        print(f"Aucune activité enregistrée depuis le {since} dans {settings.db_path}.")
        return 0
    by_day: dict[str, dict[str, int]] = {}
    per_topic: dict[str, int] = {}
    for day, topic, decision, count in topics:
        by_day.setdefault(day, {}).setdefault(decision, 0)
        by_day[day][decision] += count
        if topic != "-":
            per_topic[topic] = per_topic.get(topic, 0) + count
    print(f"Depuis le {since}")
    print("\nQuestions par jour :")
    for day, decisions in sorted(by_day.items()):
        parts = [f"{decisions[k]} {w}" for k, w in DECISION_LABELS.items() if decisions.get(k)]
        print(f"  {day}  {', '.join(parts)}")
    print("\nPar sujet :")
    for topic, count in sorted(per_topic.items(), key=lambda kv: -kv[1]):
        print(f"  {count:5d}  {topic}")
    if events:
        print("\nCompteurs :")
        for day, name, count in events:
            print(f"  {day}  {name} : {count}")
    return 0


# What each recorded decision meant for the member, in the words the staff use.
DECISION_LABELS = {
    "answer": "réponses directes",
    "clarify": "fois plusieurs sujets proposés",
    "fallback": "non comprises",
    "button": "choix par bouton",
}


async def unmatched(settings: Settings) -> int:
    from bot.storage.database import Database, DatabaseError
    from bot.storage.unmatched import UnmatchedLog

    try:
        async with Database(settings.db_path) as db:
            groups = await UnmatchedLog(db).groups()
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    if not settings.unmatched_log and not groups:
        print(
            "Le journal des questions non comprises est désactivé (VIGIE_UNMATCHED_LOG=1 pour "
            "l'activer)."
        )
        return 0
    for group in groups:
        print(f"{group.count:4d}  [{group.lang}] {group.example}")
    return 0
