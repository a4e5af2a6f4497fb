"""The guided flows without a chat: the CLI, the rules, the engine's invariants, the drafts.

The strongest test here is `test_every_path_matches_the_rules_re_implemented`:
it walks every answer path of the breach flow with the real engine and
compares the verdict with rules R0-R5 written again, in plain Python, from the
comment block at the end of content/reference/breach_facts.yaml.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import bot.cli
from bot.core import callbacks, flowchat
from bot.core.content import Content
from bot.core.drafts.render import render_documents
from bot.core.flows import engine
from bot.core.flows.conditions import evaluate
from bot.core.flows.dates import PARIS, DateError, deadline, parse_moment, parse_typed
from bot.core.flows.decide import OUTPUTS, decide, matching_verdicts, score
from bot.core.flows.engine import FlowState
from bot.core.flows.explore import paths
from bot.core.flows.model import Flow
from bot.core.flows.results import render_verdict
from bot.core.matching.text import fold
from bot.core.reply import Reply
from bot.core.session import Session

ROOT = Path(__file__).resolve().parent.parent
CASES: list[dict[str, Any]] = yaml.safe_load(
    (ROOT / "tests" / "flows" / "cases.yaml").read_text(encoding="utf-8")
)
BREACH = "breach_notification"
SECURITY = "security_checkup"
NOW = "2026-03-02T12:00:00+01:00"
VERDICT_KEYS = {*OUTPUTS, "deadline", "overdue", "reasons", "articles", "verdict_id", "notes"}

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(
    content: Content, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    """`vigie ...` in-process: the real argument parsing, dispatch and output.

    Only the content loading is shared (it runs the linter, about a second a call);
    `test_the_installed_command_runs_a_case` runs the real thing end to end.
    """
    monkeypatch.setattr(bot.cli, "load", lambda settings: content)

    def run(*argv: str) -> tuple[int, str, str]:
        code = bot.cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def write_facts(folder: Path, facts: dict[str, Any], name: str = "facts.yaml") -> str:
    path = folder / name
    if name.endswith(".json"):
        path.write_text(json.dumps(facts), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    return str(path)


def run_breach(cli: Cli, facts_file: str, now: str = NOW) -> dict[str, Any]:
    code, out, err = cli("flow", "run", BREACH, "--facts", facts_file, "--now", now, "--json")
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def case_named(start: str) -> dict[str, Any]:
    return next(c for c in CASES if c["name"].startswith(start))


# -- the lawyers' cases, through the CLI ----------------------------------------------------


def test_the_cases_file_is_the_one_described() -> None:
    assert len(CASES) == 35
    assert len({c["name"] for c in CASES}) == 35
    for case in CASES:
        assert set(case["expect"]) == set(OUTPUTS), case["name"]


# ASCII ids: a test id with escaped accents cannot be passed back to pytest (make mutation).
@pytest.mark.parametrize("case", CASES, ids=[fold(c["name"])[:50] for c in CASES])
def test_each_case_gives_its_expected_verdict(
    cli: Cli, tmp_path: Path, content: Content, case: dict[str, Any]
) -> None:
    result = run_breach(cli, write_facts(tmp_path, case["facts"]))
    assert set(result) == {"flow", "path", "verdict"}
    assert result["flow"] == BREACH
    verdict = result["verdict"]
    assert set(verdict) == VERDICT_KEYS
    assert {key: verdict[key] for key in OUTPUTS} == case["expect"]
    assert all(isinstance(verdict[key], bool) for key in [*OUTPUTS, "overdue"])

    flow = content.flows[BREACH]
    path = result["path"]
    assert path[0] == flow.start and path[-1] == "verdict"
    # The case gives exactly the facts asked on its path (the file's own contract).
    asked = {flow.nodes[n].fact for n in path[:-1]}
    assert asked == set(case["facts"]), case["name"]

    # Reasons: the verdict's own, in order, then the notes; articles without repeats.
    rule = next(v for v in flow.verdicts if v.id == verdict["verdict_id"])
    assert verdict["reasons"][: len(rule.reasons)] == [r.text("fr") for r in rule.reasons]
    assert verdict["notes"] == case["notes"], case["name"]
    assert all(isinstance(r, str) and r for r in verdict["reasons"])
    assert verdict["articles"] and len(verdict["articles"]) == len(set(verdict["articles"]))
    assert {a for r in rule.reasons for a in r.articles} <= set(verdict["articles"])

    if verdict["notify_authority"]:
        aware = datetime.fromisoformat(case["facts"]["aware_at"])
        assert datetime.fromisoformat(verdict["deadline"]) == aware + timedelta(hours=72)
        assert verdict["overdue"] is False
    else:
        assert verdict["deadline"] is None and verdict["overdue"] is False


def test_the_installed_command_runs_a_case(tmp_path: Path) -> None:
    case = case_named("Carnet papier volé")
    facts = write_facts(tmp_path, case["facts"])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "flow",
            "run",
            BREACH,
            "--facts",
            facts,
            "--now",
            NOW,
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)["verdict"]
    assert {key: verdict[key] for key in OUTPUTS} == case["expect"]
    assert verdict["deadline"] == "2026-03-05T10:00:00+01:00"


def test_without_json_the_run_prints_the_verdict_and_the_drafts(cli: Cli, tmp_path: Path) -> None:
    facts = write_facts(tmp_path, case_named("Carnet papier volé")["facts"])
    code, out, _ = cli("flow", "run", BREACH, "--facts", facts, "--now", NOW)
    assert code == 0
    assert "✅" in out and "05/03/2026 à 10 h 00" in out
    assert "# Projet de notification" in out and "<b>" not in out


# -- bad input files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "fact", "node"),
    [
        ({"personal_data": "yes"}, "role", "role"),
        ({**case_named("Carnet papier volé")["facts"], "aware_at": None}, "aware_at", "aware_at"),
        (
            {
                "personal_data": "yes",
                "role": "controller",
                "confidentiality": "yes",
                "integrity": "no",
                "availability": "no",
                "recipient": "malicious",
            },
            "encrypted",
            "encrypted",
        ),
    ],
)
def test_a_missing_fact_names_the_fact_and_the_node(
    cli: Cli, tmp_path: Path, facts: dict[str, Any], fact: str, node: str
) -> None:
    facts = {k: v for k, v in facts.items() if v is not None}
    code, out, err = cli("flow", "run", BREACH, "--facts", write_facts(tmp_path, facts), "--json")
    assert code == 2
    assert out == ""
    assert f"missing fact {fact} (asked at node {node})" in err


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (
            {"personal_data": "maybe"},
            "invalid value 'maybe' for fact personal_data (asked at node "
            "personal_data; expected one of yes, no)",
        ),
        ({"personal_data": "yes", "role": "owner"}, "expected one of controller, processor"),
        # "na" is a value of the fact, but the question does not offer it.
        (
            {**case_named("Carnet papier volé")["facts"], "data_category": "na"},
            "expected one of contact, identity, sensitive",
        ),
        (
            {**case_named("Carnet papier volé")["facts"], "aware_at": "hier soir"},
            "expected an ISO 8601 date-time",
        ),
    ],
)
def test_an_invalid_value_lists_the_expected_ones(
    cli: Cli, tmp_path: Path, facts: dict[str, Any], expected: str
) -> None:
    code, out, err = cli("flow", "run", BREACH, "--facts", write_facts(tmp_path, facts), "--json")
    assert code == 2 and out == ""
    assert expected in err


def test_facts_in_json_give_the_same_result_as_in_yaml(cli: Cli, tmp_path: Path) -> None:
    facts = case_named("Formulaire de candidature")["facts"]
    from_yaml = run_breach(cli, write_facts(tmp_path, facts, "f.yaml"))
    from_json = run_breach(cli, write_facts(tmp_path, facts, "f.json"))
    assert from_json == from_yaml
    assert from_json["verdict"]["inform_data_subjects"] is True


def test_unquoted_yaml_yes_and_no_are_accepted(cli: Cli, tmp_path: Path) -> None:
    case = case_named("Rançongiciel sans sauvegarde électronique")
    unquoted = tmp_path / "unquoted.yaml"
    unquoted.write_text(
        "personal_data: yes\nrole: controller\nconfidentiality: no\nintegrity: no\n"
        "availability: yes\nrestore: days\ncare_impact: no\ndata_category: identity\n"
        "scale: few\naware_at: 2026-03-02T10:00:00+01:00\n",
        encoding="utf-8",
    )
    assert yaml.safe_load(unquoted.read_text())["personal_data"] is True  # what YAML reads
    result = run_breach(cli, str(unquoted))
    assert result == run_breach(cli, write_facts(tmp_path, case["facts"]))
    assert {key: result["verdict"][key] for key in OUTPUTS} == case["expect"]


def test_an_unknown_flow_or_a_missing_file_is_one_sentence(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("flow", "run", "nope", "--facts", write_facts(tmp_path, {}))
    assert code == 2 and "unknown flow 'nope'" in err and BREACH in err
    code, _, err = cli("flow", "run", BREACH, "--facts", str(tmp_path / "absent.yaml"))
    assert code == 2 and "facts file not found" in err
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    code, _, err = cli("flow", "run", BREACH, "--facts", str(tmp_path / "list.yaml"))
    assert code == 2 and "expected a mapping" in err
    assert "Traceback" not in err


# -- the 72-hour deadline -------------------------------------------------------------------


def deadline_of(cli: Cli, tmp_path: Path, aware_at: str, now: str) -> tuple[object, object]:
    facts = {**case_named("Carnet papier volé")["facts"], "aware_at": aware_at}
    verdict = run_breach(cli, write_facts(tmp_path, facts), now)["verdict"]
    return verdict["deadline"], verdict["overdue"]


@pytest.mark.parametrize(
    ("aware_at", "due"),
    [
        ("2026-03-02T10:00:00+01:00", "2026-03-05T10:00:00+01:00"),
        ("2026-03-02T09:00:00Z", "2026-03-05T10:00:00+01:00"),
        # Naive times are Paris time.
        ("2026-03-02T10:00", "2026-03-05T10:00:00+01:00"),
        # Summer time starts on 29 March 2026: 72 real hours end at 11:00 on the Paris
        # clock (10:00, the same clock time, would be 71 hours), however it is written.
        ("2026-03-28T10:00", "2026-03-31T11:00:00+02:00"),
        ("2026-03-28T10:00:00+01:00", "2026-03-31T11:00:00+02:00"),
        # Winter time on 25 October 2026: 72 real hours, not the later clock time.
        ("2026-10-24T10:00", "2026-10-27T09:00:00+01:00"),
        ("2026-10-24T08:00:00Z", "2026-10-27T09:00:00+01:00"),
    ],
)
def test_the_deadline_is_72_hours_in_paris(
    cli: Cli, tmp_path: Path, aware_at: str, due: str
) -> None:
    assert deadline_of(cli, tmp_path, aware_at, "2026-01-01T00:00:00+01:00") == (due, False)


def test_the_deadline_counts_real_hours_however_the_moment_is_written() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for aware in [
        datetime(2026, 3, 28, 10, 0, tzinfo=PARIS),  # a Europe/Paris datetime
        datetime(2026, 3, 28, 9, 0, tzinfo=UTC),
        datetime.fromisoformat("2026-03-28T10:00:00+01:00"),
    ]:
        due = deadline(aware, now)
        assert due.due.astimezone(UTC) - aware.astimezone(UTC) == timedelta(hours=72)
        assert due.as_iso() == "2026-03-31T11:00:00+02:00"
        assert not due.overdue and due.remaining == due.due - now
    assert deadline(
        datetime(2026, 3, 28, 10, 0, tzinfo=PARIS), datetime(2026, 3, 31, 11, 0, tzinfo=PARIS)
    ).overdue


def test_overdue_when_now_is_after_the_deadline(cli: Cli, tmp_path: Path) -> None:
    aware = "2026-03-02T10:00:00+01:00"
    due = "2026-03-05T10:00:00+01:00"
    assert deadline_of(cli, tmp_path, aware, "2026-03-05T09:59:00+01:00") == (due, False)
    assert deadline_of(cli, tmp_path, aware, "2026-03-05T10:01:00+01:00") == (due, True)
    assert deadline_of(cli, tmp_path, aware, "2026-04-01T00:00:00+02:00") == (due, True)


def test_no_deadline_when_no_notification_is_required(cli: Cli, tmp_path: Path) -> None:
    for start in ["Ordinateur portable chiffré", "Panne du poste", "Médecin qui traite"]:
        facts = write_facts(tmp_path, case_named(start)["facts"])
        verdict = run_breach(cli, facts, "2027-01-01T00:00:00+01:00")["verdict"]
        assert verdict["notify_authority"] is False
        assert (verdict["deadline"], verdict["overdue"]) == (None, False), start


# -- every answer path against the rules, written again -------------------------------------


def rules_r0_r5(facts: dict[str, str]) -> tuple[dict[str, bool], bool, bool]:
    """Rules R0-R5 of breach_facts.yaml, re-implemented from its comment block.

    Returns (outputs, RISK, HIGH_RISK). A fact that was not asked is absent.
    """
    fact = facts.get
    if fact("personal_data") == "no":  # R0: not a personal data breach
        return dict.fromkeys(OUTPUTS, False), False, False
    if fact("role") == "processor":  # R1: tell the controller, keep a record
        outputs = {
            "notify_authority": False,
            "inform_data_subjects": False,
            "document": True,
            "inform_controller": True,
        }
        return outputs, False, False

    exposed = fact("confidentiality") in {"yes", "unknown"} and fact("encrypted") == "no"
    contained_disclosure = (
        fact("recipient") in {"trusted", "mistaken"}
        and fact("contained") == "yes"
        and fact("data_category") in {"contact", "identity"}
        and fact("scale") == "few"
    )
    loss_or_alteration = fact("availability") == "yes" or fact("integrity") == "yes"
    significant_loss = loss_or_alteration and (
        fact("restore") in {"days", "never"} or fact("care_impact") == "yes"
    )
    # R3
    risk = (exposed and not contained_disclosure) or significant_loss
    # R4 (a), (b), (c)
    high_risk = (
        (
            exposed
            and fact("data_category") == "sensitive"
            and not (fact("recipient") == "trusted" and fact("contained") == "yes")
        )
        or (
            exposed
            and fact("recipient") == "malicious"
            and fact("contained") != "yes"
            and fact("data_category") in {"identity", "sensitive"}
        )
        or (
            loss_or_alteration
            and fact("care_impact") == "yes"
            and fact("restore") in {"days", "never"}
        )
    )
    outputs = {  # R2: a controller always documents
        "notify_authority": risk,
        "inform_data_subjects": high_risk,
        "document": True,
        "inform_controller": False,
    }
    return outputs, risk, high_risk


def notes_expected(facts: dict[str, str]) -> list[str]:
    """The notes shown with a verdict, re-written from their purpose (breach_facts.yaml's
    notes and the legal review), in the flow's order. A fact that was not asked is absent."""
    fact = facts.get
    _, risk, high_risk = rules_r0_r5(facts)
    controller = fact("personal_data") == "yes" and fact("role") == "controller"
    if not controller:
        return []
    must_notify, must_inform = risk, high_risk
    rules = [
        ("access_not_ruled_out", fact("confidentiality") == "unknown"),
        ("unreadable_data", fact("encrypted") == "yes"),
        (
            "trusted_recipient_deleted",
            fact("recipient") == "trusted" and fact("contained") == "yes",
        ),
        ("public_communication", must_inform and fact("scale") == "many"),
        ("notify_now_complete_later", must_notify),
        ("cnil_may_require_information", must_notify and not must_inform),
        ("reassess", not risk),
        ("attack_first_steps", fact("availability") == "yes"),
        ("complaint_within_72_hours", fact("recipient") == "malicious"),
        (
            "prudent_trusted_recipient",
            fact("recipient") == "trusted"
            and fact("contained") == "yes"
            and fact("data_category") == "sensitive",
        ),
        (
            "prudent_good_faith_recipient",
            fact("recipient") == "mistaken"
            and fact("contained") == "yes"
            and fact("data_category") == "sensitive",
        ),
        ("care_damage_information", fact("care_impact") == "yes"),
        ("contradictory_access", fact("confidentiality") == "yes" and fact("recipient") == "none"),
    ]
    return [note for note, shown in rules if shown]


def test_every_path_matches_the_rules_re_implemented(content: Content) -> None:
    flow = content.flows[BREACH]
    seen_verdicts: set[str] = set()
    count = 0
    for path in paths(flow):
        count += 1
        answers = path.answers
        assert path.terminal == "verdict"
        found = matching_verdicts(flow, answers)
        assert len(found) == 1, (answers, [v.id for v in found])
        seen_verdicts.add(found[0].id)

        outputs, risk, high_risk = rules_r0_r5(answers)
        assert dict(found[0].outputs) == outputs, answers
        result = decide(flow, answers, datetime(2026, 3, 2, tzinfo=UTC))
        assert [n.id for n in result.notes] == notes_expected(answers), answers
        # "Notify the CNIL" is a next step exactly when the verdict says to notify.
        steps = " ".join(step.text("fr") for step in result.next_steps)
        assert ("Notifier la CNIL" in steps) == outputs["notify_authority"], answers
        # R5, in the rules as re-written and in the flow's own definitions.
        assert risk or not high_risk, answers
        if evaluate({"ref": "HIGH_RISK"}, answers, flow.definitions):
            assert evaluate({"ref": "RISK"}, answers, flow.definitions), answers
        assert not outputs["inform_data_subjects"] or outputs["notify_authority"]

        # The questions asked are those the notes of breach_facts.yaml prescribe.
        controller = answers["personal_data"] == "yes" and answers.get("role") == "controller"
        at_risk = answers.get("confidentiality") in {"yes", "unknown"}
        lost = answers.get("availability") == "yes" or answers.get("integrity") == "yes"
        asked = {flow.nodes[n].fact for n in path.nodes if flow.nodes[n].fact}
        assert ("encrypted" in asked) == ("recipient" in asked) == (controller and at_risk)
        assert ("restore" in asked) == ("care_impact" in asked) == (controller and lost)
        assert ("contained" in asked) == (at_risk and answers.get("recipient") != "none")
        if controller and "contained" not in asked:
            assert answers["contained"] == "na"
        if controller and not lost:
            assert answers["restore"] == "na"
        assert set(answers) - asked <= {"contained", "restore"}
    assert count > 1000
    assert seen_verdicts == {v.id for v in flow.verdicts}


def test_the_rules_re_implemented_agree_with_the_cases() -> None:
    for case in CASES:
        assert rules_r0_r5(case["facts"])[0] == case["expect"], case["name"]


# -- random walks in conversation -----------------------------------------------------------

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
# The ops a flow button may carry; anything else is forged.
REAL_OP = re.compile(r"h|b|x|r|nw|rs|ok|[ce](0|[1-9][0-9]*)")
# Walks need many draws.
SLOW_OK = [HealthCheck.too_slow, HealthCheck.large_base_example]
FORGED = ["c01", "c²", "e٣", "c-1", "c99", "e99", "ok ", "B", "", "rs2", "c0c"]
TYPED = [
    "oui",
    "non",
    "ouais",
    "je sais pas",
    "nan",
    "hier",
    "Aujourd'hui",
    "28/02/2026 10:00",
    "hier soir",
    "01/01/2099",
    "2026-02-27T08:00",
    "",
    "comment chiffrer un disque ?",
]


class Quiet:
    """The content with a short repr: Hypothesis prints a failing test's arguments, and
    the 300 kB repr of the content is a warning, hence an error that hides the failure."""

    def __init__(self, content: Content):
        self.content = content

    def __repr__(self) -> str:
        return "<the real content>"


@pytest.fixture(scope="session")
def quiet(content: Content) -> Quiet:
    return Quiet(content)


def flow_buttons(turn: flowchat.Turn | None) -> list[tuple[str, str]]:
    found = []
    for reply in turn.replies if turn else []:
        for button in reply.all_buttons():
            action = callbacks.decode(button.data)
            if action is not None and action.kind == "f":
                seq, op = action.args
                found.append((seq, op))
    return found


def replay(flow: Flow, state: FlowState) -> FlowState:
    """The state the engine reaches from the start with the same answers in the same order."""
    again = engine.start(flow)
    for step in state.steps:
        if not step.node:
            continue
        node = engine.current(flow, again)
        assert node.id == step.node
        assert node.fact is not None
        value = state.answers[node.fact]
        if node.type == "date":
            again = engine.set_date(flow, again, value)
        else:
            again = engine.choose(flow, again, value)
    return again


def assert_consistent(content: Content, session: Session) -> None:
    state = session.flow
    if state is None:
        return
    flow = content.flows[state.flow]
    asked = {flow.nodes[s.node].fact for s in state.steps if s.node}
    for fact, value in state.answers.items():
        # Every answer is a question's on the path, or the skip value of one not asked.
        assert fact in asked or value == flow.facts[fact].skip_value, (fact, state)
    again = replay(flow, state)
    assert again.answers == state.answers
    assert again.node == state.node
    assert again.stage == state.stage or (state.stage, again.stage) == ("await_date", "ask")


def roundtrip(session: Session) -> Session:
    raw = session.to_json()
    again = Session.from_json(raw)
    assert again == session and again.to_json() == raw
    return again


@settings(max_examples=120, deadline=None, suppress_health_check=SLOW_OK)
@given(data=st.data())
def test_random_walks_keep_a_consistent_state(quiet: Quiet, data: st.DataObject) -> None:
    """Buttons, back, restart, edit, typed text, idle time, and stale or forged presses."""
    content = quiet.content
    now = START
    session = Session()
    run = 0  # which run of a flow the buttons were drawn for
    turn: flowchat.Turn | None = None
    shown: list[tuple[str, str]] = []
    history: dict[tuple[int, str, str], None] = {}  # every button ever drawn, in order
    for _ in range(data.draw(st.integers(1, 80), label="moves")):
        session = roundtrip(session)
        if session.flow is None:  # (re)start, maybe the other flow
            flow = content.flows[data.draw(st.sampled_from([BREACH, SECURITY]))]
            run += 1
            turn = flowchat.start(content, session, flow, "fr", now)
            shown = flow_buttons(turn)
            history.update(dict.fromkeys((run, *b) for b in shown))
            continue
        seq = str(session.flow.seq)
        before = session.to_json()
        move = data.draw(st.sampled_from(["button"] * 5 + ["stale", "forged", "text", "wait"]))
        if move == "button" and shown:
            forward = [b for b in shown if b[1][0] in "co"] * 4  # get far, sometimes
            pressed = data.draw(st.sampled_from(shown + forward))
            event(f"press {pressed[1][0]}, stage {session.flow.stage}")
            turn = flowchat.press(content, session, pressed, "fr", now)
            if pressed[1] in {"nw", "r"} and session.to_json() != before:
                run += 1
        elif move == "stale":
            # A button of an earlier step, of an earlier run, or of the other flow.
            old = [(s, op) for r, s, op in history if r != run or s != seq]
            made_up = st.tuples(
                st.integers(-3, session.flow.seq + 3).map(str),
                st.sampled_from(["c0", "c1", "b", "ok", "e0", "x", "h", "rs"]),
            )
            pressed = data.draw(st.sampled_from(old) if old else made_up)
            assume(old or pressed[0] != seq)
            turn = flowchat.press(content, session, pressed, "fr", now)
            assert session.to_json() == before, pressed
        elif move == "forged":
            op = data.draw(st.one_of(st.sampled_from(FORGED), st.text(max_size=8)))
            assume(not REAL_OP.fullmatch(op))
            turn = flowchat.press(content, session, (seq, op), "fr", now)
            assert session.to_json() == before
            turn = flowchat.press(content, session, (seq, op, "c0"), "fr", now)
            assert session.to_json() == before
        elif move == "text":
            typed = data.draw(st.one_of(st.sampled_from(TYPED), st.text(max_size=20)))
            turn = flowchat.text(content, session, typed, "fr", now)
        else:
            now += timedelta(hours=data.draw(st.sampled_from([0.5, 3, 25])))
            continue
        assert turn is None or turn.replies, move
        assert turn is None or all(r.text for r in turn.replies)
        assert_consistent(content, session)
        shown = flow_buttons(turn) or shown
        history.update(dict.fromkeys((run, *b) for b in shown))


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW_OK)
@given(data=st.data())
def test_a_walk_that_confirms_ends_in_a_result_in_bounded_steps(
    quiet: Quiet, data: st.DataObject
) -> None:
    content = quiet.content
    flow = content.flows[data.draw(st.sampled_from([BREACH, SECURITY]))]
    now = START
    session = Session()
    turn = flowchat.start(content, session, flow, "fr", now)
    choices = backs = 0
    while session.flow is not None and session.flow.stage != "recap":
        assert choices <= len(flow.nodes) + backs, "the flow does not end"
        shown = {op: seq for seq, op in flow_buttons(turn)}
        ops = [op for op in shown if op.startswith("c")]
        op = data.draw(st.sampled_from(ops + (["b"] if "b" in shown and backs < 12 else [])))
        if op == "b":
            backs += 1
        else:
            choices += 1
        turn = flowchat.press(content, session, (shown[op], op), "fr", now)
        if session.flow is not None and session.flow.stage == "await_date":
            turn = flowchat.text(content, session, "27/02/2026 08:15", "fr", now)
            assert turn is not None
        session = roundtrip(session)
        assert_consistent(content, session)
    assert session.flow is not None
    recap = {op: seq for seq, op in flow_buttons(turn)}
    turn = flowchat.press(content, session, (recap["ok"], "ok"), "fr", now)
    assert session.flow is None
    if flow.id == BREACH:
        assert "Résultat :" in turn.replies[0].text
        assert turn.effects and "verdict:breach_notification:" in turn.effects[0].name
    else:
        assert "Autodiagnostic :" in turn.replies[0].text
        assert turn.effects[0].name.startswith("score:security_checkup:")


# -- typed dates ----------------------------------------------------------------------------

DATE_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("02/03/2026 11:30", datetime(2026, 3, 2, 11, 30, tzinfo=PARIS)),
        ("2/3/2026", datetime(2026, 3, 2, 0, 0, tzinfo=PARIS)),
        ("02/03/26 8h30", datetime(2026, 3, 2, 8, 30, tzinfo=PARIS)),
        ("28.02.2026 à 10h", datetime(2026, 2, 28, 10, 0, tzinfo=PARIS)),
        ("  01-03-2026, 23:05 ", datetime(2026, 3, 1, 23, 5, tzinfo=PARIS)),
        ("2026-02-28T10:00", datetime(2026, 2, 28, 10, 0, tzinfo=PARIS)),
        ("2026-02-28T09:00:00Z", datetime(2026, 2, 28, 10, 0, tzinfo=PARIS)),
        ("02/03/2026 12:04", datetime(2026, 3, 2, 12, 4, tzinfo=PARIS)),  # clock drift
        ("hier 18h", datetime(2026, 3, 1, 18, 0, tzinfo=PARIS)),
        ("Hier à 18h30", datetime(2026, 3, 1, 18, 30, tzinfo=PARIS)),
        ("aujourd'hui 9h", datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)),
        ("avant-hier vers 22:15", datetime(2026, 2, 28, 22, 15, tzinfo=PARIS)),
        ("yesterday at 6:05", datetime(2026, 3, 1, 6, 5, tzinfo=PARIS)),
        ("hier soir", datetime(2026, 3, 1, 0, 0, tzinfo=PARIS)),
    ],
)
def test_valid_typed_dates(typed: str, expected: datetime) -> None:
    assert parse_typed(typed, DATE_NOW) == expected


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("02/03/2026 11:30", "2026-03-02T11:30:00+01:00"),
        ("02/03/2026", "2026-03-02"),
        ("hier 18h", "2026-03-01T18:00:00+01:00"),
        ("hier", "2026-03-01"),
        ("ce matin", "2026-03-02"),
    ],
)
def test_a_day_without_a_time_is_stored_as_a_day(typed: str, stored: str) -> None:
    assert parse_moment(typed, DATE_NOW).iso() == stored



@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("31/02/2026", "invalid"),
        ("02/03/2026 25:00", "invalid"),
        ("la semaine dernière", "format"),
        ("hier 25h", "invalid"),
        ("aujourd'hui 18h", "future"),
        ("hier " + "x" * 60, "format"),
        ("", "format"),
        ("   ", "format"),
        ("02/03/2026 14:30", "future"),  # 2.5 hours after DATE_NOW
        ("01/01/2099", "future"),
        ("2099-01-01T00:00", "future"),
        ("2026-03-03", "future"),
        ("0001-01-01T00:00+01:00", "invalid"),
        ("9999-12-31T23:59-05:00", "invalid"),
    ],
)
def test_invalid_or_future_typed_dates(typed: str, why: str) -> None:
    with pytest.raises(DateError) as raised:
        parse_typed(typed, DATE_NOW)
    assert str(raised.value) == why


DATE_CHARS = st.sampled_from(list("0123456789/.-:hH Tàa,+Z٣²"))


@settings(max_examples=400, deadline=None)
@given(typed=st.one_of(st.text(max_size=30), st.text(DATE_CHARS, max_size=25)))
def test_any_text_is_a_date_or_a_date_error(typed: str) -> None:
    try:
        when = parse_typed(typed, DATE_NOW)
    except DateError:
        return
    assert when.tzinfo is not None
    assert when <= DATE_NOW + timedelta(minutes=5)


# -- the graph ------------------------------------------------------------------------------


@pytest.mark.parametrize("flow_id", [BREACH, SECURITY])
def test_the_graph_is_mermaid_naming_every_node(cli: Cli, content: Content, flow_id: str) -> None:
    code, out, _ = cli("flow", "graph", flow_id)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "flowchart TD"
    flow = content.flows[flow_id]
    declared = {m.group(1) for m in map(re.compile(r"^    (\w+)[\[(]").match, lines) if m}
    assert declared == set(flow.nodes)
    edges = [re.fullmatch(r"    (\w+) (?:-- .+ )?--> (\w+)", line) for line in lines]
    targets = {(m.group(1), m.group(2)) for m in edges if m}
    for node in flow.nodes.values():
        for target in flow.successors(node):
            assert (node.id, target) in targets


# -- the drafts -----------------------------------------------------------------------------


def drafts(content: Content, start: str, lang: str = "fr") -> tuple[str | None, str]:
    case = case_named(start)
    flow = content.flows[BREACH]
    answers = replay_facts(flow, case["facts"])
    now = datetime(2026, 3, 2, 12, 0, tzinfo=PARIS)
    reply = render_documents(content, decide(flow, answers, now), answers, lang, now)
    return body_of(reply), reply.text


def body_of(reply: Reply) -> str | None:
    """The documents' text, one after the other (None when there is none)."""
    texts = [d.draft.plain_text() for d in reply.documents]
    return "\n---\n".join(texts) if texts else None


def replay_facts(flow: Flow, facts: dict[str, str]) -> dict[str, str]:
    state = engine.start(flow)
    while state.stage != "recap":
        node = engine.current(flow, state)
        assert node.fact is not None
        if node.type == "date":
            state = engine.set_date(flow, state, facts[node.fact])
        else:
            state = engine.choose(flow, state, facts[node.fact])
    return state.answers


PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def test_the_drafts_for_notify_and_inform(content: Content) -> None:
    body, text = drafts(content, "Ordinateur portable non chiffré volé")
    assert body is not None
    for section in ["33(3)(a)", "33(3)(b)", "33(3)(c)", "33(3)(d)"]:
        assert f"(art. {section})" in body or f"(RGPD art. {section})" in body
    assert "[À COMPLÉTER" in body
    assert "# Projet de notification" in body
    assert "Registre des violations" in body
    assert "Objet : information sur un incident" in body  # the patient letter
    assert "05/03/2026 à 10 h 00" in body  # the deadline
    assert "Pirate, voleur ou inconnu" in body  # {f_recipient}
    assert not PLACEHOLDER.search(body)
    assert "vigie-notification-cnil-20260302.docx" in text and "<pre>" not in text

    english, _ = drafts(content, "Ordinateur portable non chiffré volé", "en")
    assert english is not None and "[TO COMPLETE" in english and "Art. 33(3)(d)" in english
    assert not PLACEHOLDER.search(english)


def test_the_patient_letter_only_when_patients_must_be_informed(content: Content) -> None:
    body, _ = drafts(content, "Courrier d'assurance glissé")  # notify, do not inform
    assert body is not None and "# Projet de notification" in body
    assert "Objet : information sur un incident" not in body
    assert not PLACEHOLDER.search(body)
    body, _ = drafts(content, "Rançongiciel, sauvegarde restaurée")  # document only
    assert body is not None and "Registre des violations" in body
    assert "# Projet de notification" not in body and "Objet :" not in body
    assert "- Échéance des 72 heures : —" in body


def test_no_register_draft_when_it_is_not_personal_data(content: Content) -> None:
    body, text = drafts(content, "Panne du poste")
    assert body is None
    assert text == content.ui.get("documents.none", "fr")


def test_every_verdict_fills_every_placeholder(content: Content) -> None:
    flow = content.flows[BREACH]
    now = datetime(2026, 3, 2, 12, 0, tzinfo=PARIS)
    done: set[str] = set()
    for path in paths(flow):
        result = decide(flow, path.answers, now)
        if result.verdict.id in done:
            continue
        done.add(result.verdict.id)
        for lang in ["fr", "en"]:
            reply = render_documents(content, result, path.answers, lang, now)
            body = body_of(reply) or reply.text
            assert not PLACEHOLDER.search(body), (result.verdict.id, lang)
    assert done == {v.id for v in flow.verdicts}


# -- the security self-check ----------------------------------------------------------------


def self_check(cli: Cli, tmp_path: Path, content: Content, answer: str) -> dict[str, Any]:
    flow = content.flows[SECURITY]
    facts = {node.fact: answer for node in flow.nodes.values() if node.fact}
    code, out, err = cli("flow", "run", SECURITY, "--facts", write_facts(tmp_path, facts), "--json")
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    assert set(result) == {"flow", "path", "score"}
    return result["score"]


def test_all_yes_scores_100_with_no_action(cli: Cli, tmp_path: Path, content: Content) -> None:
    assert self_check(cli, tmp_path, content, "yes") == {"score": 100, "actions": []}


def test_all_no_lists_every_action_by_priority(cli: Cli, tmp_path: Path, content: Content) -> None:
    flow = content.flows[SECURITY]
    checks = {n.id: n.check for n in flow.nodes.values() if n.check}
    result = self_check(cli, tmp_path, content, "no")
    assert result["score"] == 0
    actions = result["actions"]
    assert sorted(a["question"] for a in actions) == sorted(checks)
    order = [(checks[a["question"]].priority, -checks[a["question"]].weight) for a in actions]
    assert order == sorted(order)
    for action in actions:
        assert action["answer"] == "no" and action["action"]
        assert action["topic"] in content.answers


def test_the_score_is_the_share_of_weights_answered_yes(content: Content) -> None:
    flow = content.flows[SECURITY]
    questions = [n for n in flow.nodes.values() if n.check and n.fact]
    answers = {n.fact: ("yes" if i % 3 == 0 else "unknown") for i, n in enumerate(questions)}
    assert all(n.fact for n in questions)
    gained = sum(n.check.weight for n in questions if answers[str(n.fact)] == "yes")
    total = sum(n.check.weight for n in questions)
    result = score(flow, answers)
    assert result.score == round(100 * gained / total)
    assert {a.node.id for a in result.actions} == {
        n.id for n in questions if answers[str(n.fact)] != "yes"
    }


def test_not_applicable_is_neither_scored_nor_an_action(content: Content) -> None:
    """A practice without imaging or external hosting: "Sans objet" leaves those two out."""
    flow = content.flows[SECURITY]
    questions = [n for n in flow.nodes.values() if n.check and n.fact]
    offering = {str(n.fact) for n in questions if "na" in engine.offered(flow, n)}
    assert offering == {"imaging_not_exposed", "hds_hosting"}
    answers = {str(n.fact): ("na" if n.fact in offering else "no") for n in questions}
    answers["backups"] = "yes"
    result = score(flow, answers)
    scored = [n for n in questions if n.fact not in offering]
    backups = next(n for n in questions if n.fact == "backups")
    assert backups.check is not None
    assert result.score == round(100 * backups.check.weight / sum(
        n.check.weight for n in scored if n.check
    ))
    assert {a.node.fact for a in result.actions} == {str(n.fact) for n in scored} - {"backups"}


def test_english_verdicts_and_drafts_cite_the_gdpr_and_the_edpb(content: Content) -> None:
    """Every verdict of the breach flow, rendered in English: no French law names left."""
    flow = content.flows[BREACH]
    now = datetime(2026, 3, 2, 12, 0, tzinfo=PARIS)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for path in paths(flow):
        result = decide(flow, path.answers, now)
        shape = (result.verdict.id, tuple(n.id for n in result.notes))
        if shape in seen:
            continue
        seen.add(shape)
        verdict = render_verdict(content, result, "en", now).text
        drafts_en = render_documents(content, result, path.answers, "en", now)
        body = body_of(drafts_en) or drafts_en.text
        for text in (verdict, body):
            assert not re.search(r"\b(RGPD|CEPD|considérant|lignes directrices)\b", text), shape
        assert "GDPR Art." in verdict
        french = render_verdict(content, result, "fr", now).text
        assert "RGPD art." in french and "GDPR" not in french
