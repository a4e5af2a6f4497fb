"""Matching quality: thresholds a little below the measured figures (docs/matching.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot.cli import main
from bot.core.content import Content
from bot.core.matcher import Matcher
from bot.core.text import fold
from bot.evaluation import Item, cross_validate, evaluate

EVAL = Path(__file__).resolve().parent / "eval" / "questions.yaml"
NEAR_COPY = 90  # rapidfuzz ratio, on folded text


def test_eval_set_meets_the_floor(matcher: Matcher) -> None:
    raw = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    assert len(raw) >= 300
    assert sum(1 for i in raw if i["topic"] is None) >= 40
    assert sum(1 for i in raw if i.get("tag") == "confusable") >= 25
    report = evaluate(matcher, [Item(i["q"], i["topic"]) for i in raw])
    # Measured on the 405 questions left once near-copies of intents were removed.
    assert report.top1 >= 0.94, report.text()  # measured 94.9%
    assert report.top3 >= 0.98, report.text()  # 99.2%
    assert report.oos_rejection >= 0.89, report.text()  # 90.6% (one more miss: 88.7%)
    assert report.wrong_answer_rate <= 0.015, report.text()  # 1.0%


def test_second_held_out_set_meets_the_floor(matcher: Matcher) -> None:
    """Written after the first thresholds were fixed. Consulted since (docs/matching.md):
    not a pristine held-out set any more."""
    raw = yaml.safe_load((EVAL.parent / "holdout2.yaml").read_text(encoding="utf-8"))
    report = evaluate(matcher, [Item(i["q"], i["topic"]) for i in raw])
    assert report.top1 >= 0.95, report.text()  # measured 97.9%
    assert report.top3 >= 0.97, report.text()  # 100%
    # 89.7% (35 of 39) once the near-copy out-of-scope question left (36 of 40 before).
    assert report.oos_rejection >= 0.89, report.text()
    assert report.wrong_answer_rate <= 0.01, report.text()  # 0.0%


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


def test_cross_validation_meets_the_floor(content: Content) -> None:
    report = cross_validate(content.intents, folds=5)
    assert report.top1 >= 0.68  # measured 70.3%
    assert report.top3 >= 0.88  # 90.4%
    assert report.oos_rejection >= 0.885  # 90.9%
    assert report.wrong_answer_rate <= 0.015  # 1.0%


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


def test_eval_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "q.yaml"
    file.write_text('- {q: "faut-il chiffrer les sauvegardes ?", topic: security.backups}\n'
                    '- {q: "prix du gazole", topic: null}\n', encoding="utf-8")
    assert main(["eval", str(file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"n", "top1", "top3", "oos_rejection", "wrong_answer_rate"}
    assert data["n"] == 2
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
