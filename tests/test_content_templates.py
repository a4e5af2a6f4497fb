"""Placeholders in content texts are bare names: a hostile or careless editor cannot
make a reply huge or broken (security review 2026-12, M4).

`{name:>300000000}` used to pass `vigie content check` and then build a
300-million-character reply on every /start; `{name:d}` raised on every /start.
Each test copies the real content root, writes one such placeholder, and checks
that the check refuses it at the right file and line, in French.
"""

from __future__ import annotations

import shutil
import tracemalloc
from pathlib import Path

import pytest

from bot.content.errors import Problem
from bot.content.loader import load_root
from bot.core import templates
from bot.core.content import UiTexts

ROOT = Path(__file__).resolve().parent.parent
UI = "content/ui.yaml"
GDPR = "content/answers/gdpr.yaml"
FLOW = "content/flows/breach_notification.yaml"
HOSTILE = ["{name:d}", "{name:>300000000}", "{name!r}", "{name.__class__}", "{name[0]}"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name in ("content", "intents"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def edit(root: Path, rel: str, old: str, new: str) -> int:
    """Replace the only occurrence of `old`; return the 1-based line of the change."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{rel}: {old!r} occurs {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def refused(root: Path, rel: str, line: int, *fragments: str) -> Problem:
    content, problems = load_root(root, exhaustive=False)
    listing = "\n".join(map(str, problems))
    assert content is None, f"accepted:\n{listing}"
    found = [
        p
        for p in problems
        if p.path == rel
        and p.line == line
        and not p.warning
        and all(f in p.message for f in fragments)
    ]
    assert len(found) == 1, f"expected an error at {rel}:{line} with {fragments}:\n{listing}"
    return found[0]


@pytest.mark.parametrize("placeholder", HOSTILE)
def test_an_interface_text_with_more_than_a_name_is_refused(root: Path, placeholder: str) -> None:
    line = edit(
        root, UI, "l'assistant RGPD et sécurité informatique de {name}.", f"de {placeholder}."
    )
    refused(root, UI, line, "welcome", "variable mal écrite", "{name}")


@pytest.mark.parametrize("placeholder", ["{contact_email:>300000000}", "{contact_email!s}"])
def test_an_answer_with_a_format_spec_is_refused_without_building_it(
    root: Path, placeholder: str
) -> None:
    bullet = "c'est vous, ou votre structure d'exercice."
    line = edit(root, GDPR, bullet, f"c'est vous ({placeholder}).")
    tracemalloc.start()
    try:
        refused(root, GDPR, line, "variable mal écrite")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000  # the 300 MB text is never built


def test_a_draft_with_a_format_spec_is_refused(root: Path) -> None:
    edit(
        root,
        FLOW,
        "Brouillon préparé le {today} avec",
        "Brouillon préparé le {today:>99999999} avec",
    )
    line = edit(root, FLOW, "  notification:\n    fr: |", "  notification:\n    fr: |") + 1
    refused(root, FLOW, line, "brouillon « notification »", "variable mal écrite")


def test_an_interface_text_too_long_once_filled_is_refused(root: Path) -> None:
    line = edit(
        root, UI, "de {name}.\\n\\nJe réponds", "de {name}." + "x" * 2000 + "\\n\\nJe réponds"
    )
    refused(root, UI, line, "welcome", "trop long")


@pytest.mark.parametrize("placeholder", HOSTILE)
def test_a_text_that_skipped_the_check_is_still_filled_safely(placeholder: str) -> None:
    """Defence in depth: at run time a spec is never applied, and nothing raises."""
    ui = UiTexts({"welcome": {"fr": f"Vigie de {placeholder}."}})
    shown = ui.get("welcome", "fr", name="l'association")
    assert len(shown) < 100
    assert "0" * 1000 not in shown


def test_plain_placeholders_and_doubled_braces_still_work() -> None:
    assert templates.fill("{{a}} {name} {{", {"name": "Vigie"}) == "{a} Vigie {"
    assert templates.problem("{name} et {{x}}", {"name"}) is None
