"""Content that passed `vigie content check` and still broke the bot (security review
2026-12): each test copies the real content root, makes one hostile edit, and
checks that the check refuses it at the right file and line, in French.

M4: placeholders are bare names. `{name:>300000000}` used to build a
300-million-character reply on every /start; `{name:d}` raised on every /start.
L7: ids are bounded, so every button fits Telegram's 64-byte callback data; a
62-character alert category used to break /alertes for every member.
"""

from __future__ import annotations

import dataclasses
import shutil
import tracemalloc
from pathlib import Path

import pytest

from bot.content.callback_lint import callback_problems
from bot.content.errors import Problem
from bot.content.loader import load_content, load_root
from bot.core import templates
from bot.core.content import AlertCategory, AlertTemplate, UiTexts

ROOT = Path(__file__).resolve().parent.parent
UI = "content/ui.yaml"
GDPR = "content/answers/gdpr.yaml"
FLOW = "content/flows/breach_notification.yaml"
ASSOCIATION = "content/association.yaml"
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


# ------------------------------------------------ L7: ids fit in callback data

LONG = "a" * 33


def test_a_long_alert_category_is_refused(root: Path) -> None:
    long_id = "x" * 62  # the review's: passed the check, then /alertes failed for everyone
    line = edit(root, ASSOCIATION, "  - id: urgent\n", f"  - id: {long_id}\n")
    refused(root, ASSOCIATION, line, "identifiant", long_id, "trop long")


def test_a_long_topic_id_is_refused(root: Path) -> None:
    line = edit(root, GDPR, "  gdpr.applies_to_me:\n", f"  gdpr.{LONG}:\n")
    refused(root, GDPR, line, "identifiant", f"gdpr.{LONG}", "trop long")


def test_a_long_flow_step_id_is_refused(root: Path) -> None:
    line = edit(root, FLOW, "  role:\n    type:", f"  {LONG}:\n    type:")
    refused(root, FLOW, line, "identifiant", LONG, "trop long")


@pytest.mark.parametrize("stem", ["a:b", "x" * 52, "Mise à jour"])
def test_an_alert_template_whose_name_cannot_be_a_button_is_refused(root: Path, stem: str) -> None:
    source = root / "content" / "alerts" / "mise-a-jour-urgente.md"
    source.rename(source.with_name(f"{stem}.md"))
    refused(root, f"content/alerts/{stem}.md", 1, "nom de modèle", "invalide")


def test_the_button_check_catches_what_the_schema_would_let_through() -> None:
    """The last line of defence, should the schema's bounds ever be loosened."""
    content = load_content(ROOT, exhaustive=False)
    association = dataclasses.replace(
        content.association,
        alert_categories=(AlertCategory("c" * 60, {"fr": "Long"}, True),),
    )
    bad_template = AlertTemplate("a:b", "Titre", "Texte", "urgent")
    problems = callback_problems(
        content.answers,
        content.flows,
        association,
        {"a:b": bad_template},
        lambda name: ("content/x.yaml", 7),
    )
    messages = sorted(p.message for p in problems)
    assert len(messages) == 2, messages
    assert "catégorie d'alerte « " + "c" * 60 in messages[0]
    assert "modèle d'alerte « a:b »" in messages[1]
    assert all(p.path == "content/x.yaml" and p.line == 7 for p in problems)
    assert (
        callback_problems(
            content.answers,
            content.flows,
            content.association,
            content.alert_templates,
            lambda name: ("", 1),
        )
        == []
    )  # the real content's buttons all fit


# ------------------------------------- informational: links a reviewer should check


def warned(root: Path, rel: str, line: int, *fragments: str) -> None:
    content, problems = load_root(root, exhaustive=False)
    assert content is not None, "\n".join(map(str, problems))  # a warning, not an error
    found = [
        p
        for p in problems
        if p.warning and p.path == rel and p.line == line and all(f in p.message for f in fragments)
    ]
    assert len(found) == 1, "\n".join(map(str, problems))


@pytest.mark.parametrize(
    ("href", "why"),
    [
        ("http://telegram.org/privacy", "en clair"),
        ("tg://resolve?domain=faux_support", "action dans Telegram"),
        ("javascript:alert(1)", "https://"),
    ],
)
def test_a_link_in_an_answer_that_is_not_https_is_flagged(root: Path, href: str, why: str) -> None:
    rel = "content/answers/bot.yaml"
    old = '(<a href="https://telegram.org/privacy">sa politique</a>)'
    line = edit(root, rel, old, f'(<a href="{href}">sa politique</a>)')
    content, problems = load_root(root, exhaustive=False)
    assert content is not None
    found = [p for p in problems if p.warning and p.path == rel and href[:20] in p.message]
    assert len(found) == 1 and why in found[0].message, "\n".join(map(str, problems))
    assert found[0].line <= line  # at the answer's text, as its other text problems


def test_a_link_in_an_alert_template_is_flagged_at_its_line(root: Path) -> None:
    rel = "content/alerts/rancongiciel-campagne.md"
    line = edit(
        root,
        rel,
        'href="https://www.cybermalveillance.gouv.fr"',
        'href="http://cybermalveillance.fr"',
    )
    warned(root, rel, line, "http://cybermalveillance.fr", "en clair")


def test_a_link_in_a_flow_is_flagged(root: Path) -> None:
    old = '<b>Notifier la CNIL</b> avec son téléservice « <a href=\\"https://'
    line = edit(root, FLOW, old, old.replace("https://", "tg://msg?text=x"))
    warned(root, FLOW, line, "tg://", "action dans Telegram")


def test_the_real_content_has_no_risky_link() -> None:
    _, problems = load_root(ROOT, exhaustive=False)
    assert not [p for p in problems if "lien « " in p.message]
