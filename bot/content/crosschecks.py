"""Cross-file checks that need the loaded pieces together: interface texts, flow
topics, the catalogue, and the alert templates (`content/alerts/*.md`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bot.content import schema
from bot.content.errors import Problem
from bot.content.link_lint import link_warnings, risky_links
from bot.content.yamlsource import YamlDocument, parse_yaml, read_text
from bot.core import templates
from bot.core.alerts import longest_alert, too_long, too_long_fr
from bot.core.content import AlertTemplate, Answer, Association
from bot.core.flows.model import Flow
from bot.core.html import html_errors
from bot.core.limits import MAX_ID_CHARS
from bot.core.uikeys import REQUIRED_UI_KEYS, UI_PARAMS

if TYPE_CHECKING:
    from bot.content.loader import _Collector

# A template's file name is its id in the admin's buttons: ASCII, short, no ":".
TEMPLATE_STEM = re.compile(rf"[a-z][a-z0-9_-]{{0,{MAX_ID_CHARS - 1}}}")
# An interface text once filled with plausible values: well under one message.
MAX_UI_CHARS = 2000


def has_html_error(text: str, message: str) -> bool:
    return message in html_errors(text)


def text_line(text: str, found: Callable[[str], bool]) -> int:
    """0-based index of the first line of `text` where `found(text up to it)` holds."""
    lines = text.split("\n")
    for index in range(len(lines)):
        if found("\n".join(lines[: index + 1])):
            return index
    return 0


def check_ui_keys(
    collector: _Collector,
    doc: YamlDocument,
    ui: dict[str, dict[str, str]],
    answers: dict[str, Answer],
    flows: set[str],
) -> None:
    """Every text the bot shows exists; a key it never shows is probably a typo."""
    # An answer's flow button is labelled by `flow.start.<flow id>`.
    wanted = REQUIRED_UI_KEYS | {f"flow.start.{a.flow}" for a in answers.values() if a.flow}
    for key in sorted(wanted - ui.keys()):
        collector.problems.append(
            doc.problem(("ui",), f"texte d'interface « {key} » manquant (fr et en)")
        )
    for key, texts in sorted(ui.items()):
        allowed = UI_PARAMS.get(key, frozenset())
        for lang, text in sorted(texts.items()):
            wrong = templates.problem(text, allowed)
            if wrong is None and len(templates.sample(text, allowed)) > MAX_UI_CHARS:
                wrong = f"texte trop long une fois rempli (au plus {MAX_UI_CHARS} caractères)"
            if wrong:
                collector.problems.append(doc.problem(("ui", key, lang), f"« {key} » : {wrong}"))
            for warning in link_warnings(text):
                collector.problems.append(
                    doc.problem(("ui", key, lang), f"« {key} » : {warning}", warning=True)
                )
    known = wanted | {f"flow.start.{flow}" for flow in flows}
    for key in sorted(ui.keys() - known):
        close = difflib.get_close_matches(key, sorted(known - ui.keys()) or sorted(known), n=1)
        collector.problems.append(
            doc.problem(
                ("ui", key),
                f"texte d'interface « {key} » inconnu : Vigie ne l'affiche jamais"
                + (f" (vouliez-vous dire « {close[0]} » ?)" if close else ""),
                warning=True,
            )
        )


def check_flow_topics(
    collector: _Collector, folder: Path, flows: dict[str, Flow], answers: dict[str, Answer]
) -> None:
    """A self-check action's button must lead to a real topic."""
    for flow in flows.values():
        for node in flow.nodes.values():
            topic = node.check.topic if node.check else None
            if topic is None or topic in answers:
                continue
            path, line = _find_line(folder, f"topic: {topic}")
            collector.problems.append(
                Problem(
                    collector.display(path) if path else "content/flows",
                    line,
                    1,
                    f"« {node.id} » : sujet inconnu « {topic} » pour le bouton de l'action "
                    "(un identifiant de content/answers/ est attendu)",
                )
            )


def _find_line(folder: Path, needle: str) -> tuple[Path | None, int]:
    for path in sorted(folder.glob("*.yaml")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if needle in text:
                return path, number
    return None, 1


def catalogue_topics(collector: _Collector, doc: YamlDocument | None) -> dict[str, int]:
    """Topic id -> line in `catalogue.yaml`; malformed entries are reported."""
    topics: dict[str, int] = {}
    if doc is None:
        return topics
    entries = doc.data.get("topics") if isinstance(doc.data, dict) else None
    if not isinstance(entries, list):
        collector.problems.append(
            doc.problem(("topics",), "« topics: » doit être une liste de sujets (- id: ...)")
        )
        return topics
    for i, entry in enumerate(entries):
        topic = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(topic, str):
            collector.problems.append(
                doc.problem(("topics", i), "sujet sans « id: » (attendu : - id: breach.deadline)")
            )
            continue
        topics.setdefault(topic, doc.line_of(("topics", i))[0])
    return topics


def load_alert_templates(
    collector: _Collector, folder: Path, association: Association | None
) -> dict[str, AlertTemplate]:
    """`content/alerts/*.md`: a YAML front matter (title, category) then the HTML text."""
    templates: dict[str, AlertTemplate] = {}
    if not folder.is_dir():
        return templates
    for path in sorted(folder.glob("*.md")):
        display = collector.display(path)
        if not TEMPLATE_STEM.fullmatch(path.stem):
            collector.problems.append(
                Problem(
                    display,
                    1,
                    1,
                    f"nom de modèle « {path.name} » invalide : lettres minuscules sans accent, "
                    f"chiffres, - ou _, {MAX_ID_CHARS} caractères au plus avant .md "
                    "(ex. mise-a-jour-urgente.md)",
                )
            )
            continue
        raw, unreadable = read_text(path, display)
        if raw is None:
            collector.problems.extend([unreadable] if unreadable else [])
            continue
        collector.digest.update(raw.encode())
        raw = raw.removeprefix("\ufeff")  # a byte order mark, as Windows editors save
        head, sep, body = raw.removeprefix("---\n").partition("\n---\n")
        if not raw.startswith("---\n") or not sep:
            collector.problems.append(
                Problem(
                    display,
                    1,
                    1,
                    "en-tête manquant : commencez par ---, title:, category:, --- puis le texte",
                )
            )
            continue
        # The leading newline stands for the opening ---: lines match the file's.
        doc, problems = parse_yaml("\n" + head, display)
        collector.problems.extend(problems)
        spec = collector.validate(doc, schema.AlertTemplateFile) if doc else None
        if doc is None or spec is None:
            continue
        categories = [c.id for c in association.alert_categories] if association else []
        if association and spec.category not in categories:
            collector.problems.append(
                doc.problem(
                    ("category",),
                    f"catégorie d'alerte inconnue « {spec.category} » (catégories de "
                    f"content/association.yaml : {', '.join(categories)})",
                )
            )
        text = body.strip()
        # ---, the front matter, --- : the body starts on the next line.
        first = head.count("\n") + 4 + body[: len(body) - len(body.lstrip())].count("\n")
        for message in html_errors(text):
            at = text_line(text, partial(has_html_error, message=message))
            collector.problems.append(Problem(display, first + at, 1, f"HTML : {message}"))
        lines = text.split("\n")
        for target, warning in risky_links(text):
            at = next((i for i, line in enumerate(lines) if target in line), 0)
            collector.problems.append(Problem(display, first + at, 1, warning, warning=True))
        if association is not None:
            known = spec.category if spec.category in categories else None
            length = longest_alert(association, text, known)
            if too_long(length):
                collector.problems.append(Problem(display, first, 1, too_long_fr(length)))
        templates[path.stem] = AlertTemplate(path.stem, spec.title, text, spec.category)
    return templates
