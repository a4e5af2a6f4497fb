"""Matching quality: thresholds a little below the measured figures (docs/matching.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot.adapters.semantic.e5 import E5Encoder
from bot.cli import main
from bot.core.content import Content, Intent
from bot.core.matching.matcher import Matcher
from bot.core.matching.text import fold
from bot.evaluation import Item, cross_validate, evaluate
from tests.conftest import cli_db

EVAL = Path(__file__).resolve().parent / "eval" / "questions.yaml"
NEAR_COPY = 90  # rapidfuzz ratio, on folded text


def _items(name: str) -> list[Item]:
    return [Item(i["q"], i["topic"]) for i in yaml.safe_load(
        (EVAL.parent / name).read_text(encoding="utf-8"))]


def test_eval_set_meets_the_floor(matcher: Matcher) -> None:
    raw = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    assert len(raw) >= 300
    assert sum(1 for i in raw if i["topic"] is None) >= 40
    assert sum(1 for i in raw if i.get("tag") == "confusable") >= 25
    report = evaluate(matcher, _items("questions.yaml"))
    # Measured on the 405 questions left once near-copies of intents were removed.
    assert report.top1 >= 0.965, report.text()  # measured 97.2%
    assert report.top3 >= 0.99, report.text()  # 99.7%
    assert report.oos_rejection >= 0.90, report.text()  # 92.5% (one more miss: 90.6%)
    assert report.wrong_answer_rate <= 0.02, report.text()  # 1.5%
    assert report.direct >= 0.91, report.text()  # 92.9% (lexical only: 75.6%)
    assert report.clarify_rate <= 0.07, report.text()  # 5.4% (lexical only: 22.2%)


def test_second_held_out_set_meets_the_floor(matcher: Matcher) -> None:
    """Written after the first thresholds were fixed. Consulted since (docs/matching.md):
    not a pristine held-out set any more."""
    report = evaluate(matcher, _items("holdout2.yaml"))
    assert report.top1 >= 0.975, report.text()  # measured 99.3%
    assert report.top3 >= 0.985, report.text()  # 100%
    assert report.oos_rejection >= 0.92, report.text()  # 94.9% (one more miss: 92.3%)
    assert report.wrong_answer_rate <= 0.015, report.text()  # 0.6%
    assert report.direct >= 0.91, report.text()  # 92.9% (lexical only: 57.9%)


def test_situations_keep_their_floor(matcher: Matcher) -> None:
    """tests/eval/situations.yaml never chose a setting: read only to report. This floor is a
    regression guard, a little below what was measured after the settings were chosen on
    situations_dev.yaml (docs/matching.md)."""
    report = evaluate(matcher, _items("situations.yaml"))
    assert report.top1 >= 0.93, report.text()  # measured 94.6% (lexical only: 82.4%)
    assert report.top3 >= 0.975, report.text()  # 98.9%
    assert report.oos_rejection >= 0.91, report.text()  # 94.4% (lexical only: 98.1%)
    assert report.wrong_answer_rate <= 0.02, report.text()  # 1.2%
    assert report.direct >= 0.72, report.text()  # 74.3% (lexical only: 11.8%)


def test_development_set_keeps_what_chose_the_thresholds(matcher: Matcher) -> None:
    """tests/eval/situations_dev.yaml chose the decision's two thresholds
    (benchmarks/fit_decision.py): the figures they were chosen for."""
    report = evaluate(matcher, _items("situations_dev.yaml"))
    assert report.top1 >= 0.935, report.text()  # measured 94.2%
    assert report.oos_rejection >= 0.90, report.text()  # 92.6% (one more miss: 90.7%)
    assert report.wrong_answer_rate <= 0.01, report.text()  # 0.7%
    assert report.direct >= 0.79, report.text()  # 81.1% (lexical only: 20.2%)


def test_no_evaluation_question_is_a_near_copy_of_an_intent_phrasing(content: Content) -> None:
    """An evaluation question the matcher was trained on measures memory, not matching."""
    phrasings = [fold(p) for i in content.intents.values() for ps in i.examples.values()
                 for p in ps]
    leaks = []
    for file in sorted(EVAL.parent.glob("*.yaml")):
        for item in yaml.safe_load(file.read_text(encoding="utf-8")):
            found = process.extractOne(fold(item["q"]), phrasings, scorer=fuzz.ratio,
                                       score_cutoff=NEAR_COPY)
            if found is not None:
                leaks.append(f"{file.name}: {item['q']!r} ~ {found[0]!r} ({found[1]:.0f})")
    assert leaks == []


def test_lexical_matching_alone_keeps_its_floor(lexical_matcher: Matcher) -> None:
    """Without the encoder (VIGIE_SEMANTIC=off, or no model), matching is what it was."""
    report = evaluate(lexical_matcher, _items("questions.yaml"))
    assert report.top1 >= 0.94, report.text()  # measured 94.9%
    assert report.oos_rejection >= 0.885, report.text()  # 90.6% (one more miss: 88.7%)
    assert report.wrong_answer_rate <= 0.015, report.text()  # 1.0%
    report = evaluate(lexical_matcher, _items("holdout2.yaml"))
    assert report.top1 >= 0.975, report.text()  # 99.3%
    assert report.oos_rejection >= 0.87, report.text()  # 89.7% (one more miss: 87.2%)
    assert report.wrong_answer_rate <= 0.01, report.text()  # 0.0%


def test_cross_validation_meets_the_floor(content: Content, encoder: E5Encoder) -> None:
    """Cross-validation scores each phrasing without its near siblings: a floor (issue #11:
    no lower than the lexical matcher's top-1 70.3 %, top-3 90.4 %, out of scope 90.9 %).
    Wrong answers are higher here than on members' questions (thresholds chosen on
    situations_dev.yaml); they are kept from growing."""
    report = cross_validate(content.intents, folds=5, encoder=encoder)
    assert report.top1 >= 0.815  # measured 82.7% (lexical only: 70.6%)
    assert report.top3 >= 0.93  # 94.0% (90.4%)
    assert report.oos_rejection >= 0.945  # 95.6% (91.4%)
    assert report.wrong_answer_rate <= 0.03  # 2.7% (0.75%)
    assert report.direct >= 0.59  # 60.2% (21.9%)


@pytest.mark.parametrize(("question", "topic"), [
    ("Rançongiciel !!! tous nos PC sont bloqués", "breach.ransomware"),
    ("rancongicel sur les ordis du cabinet", "breach.ransomware"),
    ("mdp de la box jamais changé", "security.box_internet"),
    ("Do I need a DPO?", "gdpr.dpo"),
    ("combien de temps garder un dossier médical ?", "gdpr.retention"),
    ("bonjour", "smalltalk.greeting"),
    ("merci !!", "smalltalk.thanks"),
])
def test_typical_questions(matcher: Matcher, question: str, topic: str) -> None:
    match = matcher.match(question)
    assert match.topic == topic or topic in [c.topic for c in match.alternatives]


@pytest.fixture
def warm_cli(
    request: pytest.FixtureRequest, encoder: E5Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI's encoder finds the phrasing vectors the session encoder computed."""
    monkeypatch.setenv("VIGIE_DB", str(cli_db(request)))


@pytest.mark.usefixtures("warm_cli")
def test_ask_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "faut-il un DPO pour un cabinet de 2 médecins ?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"topic", "decision", "score", "alternatives", "lang"}
    assert data["decision"] in {"answer", "clarify", "fallback"}
    assert 0 <= data["score"] <= 100 and data["lang"] in {"fr", "en"}
    assert all(set(a) == {"topic", "score"} for a in data["alternatives"])
    assert main(["ask", "recette de la tarte tatin", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["topic"] is None and data["decision"] == "fallback"


@pytest.mark.usefixtures("warm_cli")
def test_eval_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "q.yaml"
    file.write_text('- {q: "faut-il chiffrer les sauvegardes ?", topic: security.backups}\n'
                    '- {q: "prix du gazole", topic: null}\n', encoding="utf-8")
    assert main(["eval", str(file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "n", "top1", "top3", "oos_rejection", "wrong_answer_rate", "direct", "clarify_rate"
    }
    assert data["n"] == 2
    assert main(["eval", str(file), "--json", "--details"]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    assert [i["q"] for i in items] == ["faut-il chiffrer les sauvegardes ?", "prix du gazole"]
    assert all(
        set(i) == {"q", "expected", "decision", "topic", "score", "alternatives"} for i in items
    )
    assert items[1]["expected"] is None and items[1]["decision"] == "fallback"
    assert main(["eval", str(file), "--details"]) == 0
    text = capsys.readouterr().out
    assert "direct answers" in text and "clarify" in text and "'prix du gazole'" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {q: x, topic: no.such_topic}\n", encoding="utf-8")
    assert main(["eval", str(bad)]) == 2


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_matching_never_raises(matcher: Matcher, text: str) -> None:
    match = matcher.match(text)
    assert match.decision in {"answer", "clarify", "fallback"}
    assert 0.0 <= match.score <= 100.0 + 1e-9


def test_an_unknown_word_does_not_hide_the_common_ones() -> None:
    """An uncorrectable unknown word used to count as rare and stop the search there."""
    from bot.core.content import Intent

    # Both known words are in more phrasings than the common-word limit (300).
    intents = {
        "breach.phased_notification": Intent(
            "breach.phased_notification",
            {"fr": tuple(f"notification cnil en plusieurs temps {i}" for i in range(350))},
            None,
        ),
        "gdpr.cnil_control": Intent(
            "gdpr.cnil_control",
            {"fr": tuple(f"controle cnil au cabinet {i}" for i in range(200))},
            None,
        ),
    }
    matcher = Matcher(intents)
    ranked = matcher.scores("notification cnil xyzzyq")
    assert ranked and ranked[0].topic == "breach.phased_notification"


SMALL = {
    "security.backups": Intent("security.backups", {"fr": (
        "faut-il sauvegarder les dossiers patients", "comment faire une sauvegarde externe",
        "sauvegarde chiffrée du cabinet")}, None),
    "security.passwords": Intent("security.passwords", {"fr": (
        "changer les mots de passe du cabinet", "gestionnaire de mots de passe",
        "mot de passe trop simple")}, None),
    "smalltalk.out_of_scope": Intent("smalltalk.out_of_scope", {"fr": (
        "recette de cuisine", "météo de demain", "résultat du match de foot")}, None),
}


def test_direct_and_clarify_rates_count_in_scope_questions_only() -> None:
    report = evaluate(Matcher(SMALL), [
        Item("comment faire une sauvegarde externe", "security.backups"),  # answered, right
        Item("changer les mots de passe", "security.backups"),  # answered, wrong topic
        Item("sauvegarde du mot de passe du cabinet", "security.backups"),  # clarify
        Item("météo de demain", None),  # out of scope: in neither share
    ])
    assert [i["decision"] for i in report.items] == ["answer", "answer", "clarify", "fallback"]
    assert report.direct == pytest.approx(1 / 3)
    assert report.clarify_rate == pytest.approx(1 / 3)
    assert report.items[2]["alternatives"] == ["security.backups"]
    assert report.as_json()["direct"] == 0.3333 and "items" not in report.as_json()


def test_cross_validation_reports_every_question_once() -> None:
    report = cross_validate(SMALL, folds=3)
    assert report.n == len(report.items) == 9
    assert sorted(i["q"] for i in report.items) == sorted(
        p for intent in SMALL.values() for p in intent.examples["fr"]
    )
    in_scope = [i for i in report.items if i["expected"] is not None]
    direct = sum(i["decision"] == "answer" and i["topic"] == i["expected"] for i in in_scope)
    assert report.direct == pytest.approx(direct / len(in_scope))
    clarified = sum(i["decision"] == "clarify" for i in in_scope)
    assert report.clarify_rate == pytest.approx(clarified / len(in_scope))


SITUATION_PHRASINGS = 8  # issue #11: members tell stories; each topic learns from some


def _told_as_a_situation(phrasing: str) -> bool:
    """Two sentences or more of at least three words each."""
    sentences = re.split(r"[.?!…]+\s+|\n", phrasing.strip())
    return sum(1 for s in sentences if len(s.split()) >= 3) >= 2


def test_every_topic_learns_from_phrasings_told_as_situations(content: Content) -> None:
    short = {
        topic: sum(_told_as_a_situation(p) for ps in intent.examples.values() for p in ps)
        for topic, intent in content.intents.items()
        if not topic.startswith("smalltalk.")
    }
    assert len(short) >= 50
    assert {t: n for t, n in short.items() if n < SITUATION_PHRASINGS} == {}
    assert not _told_as_a_situation("mon ordinateur a été volé, que faire ?")
    assert _told_as_a_situation("On m'a volé l'ordinateur hier. Il y a les dossiers dessus !")
