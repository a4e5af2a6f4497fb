"""Load a content root (files -> YAML nodes -> validated models -> core content).

Every problem in every file is collected before anything fails, so an editor
sees the whole list at once. `load_content` raises `ContentError` with
errors only; warnings are returned by `check_content` alongside.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.content import schema
from bot.content.callback_lint import callback_problems
from bot.content.crosschecks import (
    catalogue_topics,
    check_flow_topics,
    check_ui_keys,
    has_html_error,
    load_alert_templates,
    text_line,
)
from bot.content.errors import ContentError, Problem
from bot.content.flows import load_flows
from bot.content.link_lint import link_warnings
from bot.content.lint import lint_content
from bot.content.schema_errors import schema_problems
from bot.content.yamlsource import Location, YamlDocument, read_yaml
from bot.core import templates
from bot.core.content import (
    AlertCategory,
    Answer,
    Association,
    Content,
    Intent,
    LocalizedAnswer,
    UiTexts,
)
from bot.core.html import html_errors, visible_length
from bot.core.limits import LANGUAGES

M = TypeVar("M", bound=BaseModel)
MAX_ANSWER_CHARS = 1200
# Any text once its placeholders are filled: a Telegram message holds 4,096 characters.
MAX_TEMPLATE_CHARS = 4000


def default_content_root() -> Path:
    """The content that ships with the package (wheel), or the source checkout's."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_content"
    if (packaged / "content").is_dir():
        return packaged
    return here.parent


class _Collector:
    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.digest = hashlib.sha256()

    def display(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def read(self, path: Path) -> YamlDocument | None:
        display = self.display(path)
        if not path.is_file():
            self.problems.append(Problem(display, 1, 1, "fichier manquant"))
            return None
        self.digest.update(path.read_bytes())
        doc, problems = read_yaml(path, display)
        self.problems.extend(problems)
        return doc

    def validate(self, doc: YamlDocument, model: type[M]) -> M | None:
        try:
            return model.model_validate(doc.data)
        except ValidationError as exc:
            self.problems.extend(schema_problems(doc, exc, model))
            return None


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("."))


def _fill(template: str, values: dict[str, str]) -> tuple[str, str | None]:
    """Fill `{placeholders}`; return the text and what is wrong with them, if anything."""
    wrong = templates.problem(template, values.keys())
    if wrong:
        return template, wrong
    filled = templates.fill(template, values)
    if len(filled) > MAX_TEMPLATE_CHARS:
        return template, (
            f"texte trop long une fois rempli : {len(filled)} caractères "
            f"(au plus {MAX_TEMPLATE_CHARS})"
        )
    return filled, None


def load_association(collector: _Collector, folder: Path) -> Association | None:
    doc = collector.read(folder / "association.yaml")
    spec = collector.validate(doc, schema.AssociationFile) if doc else None
    if spec is None:
        return None
    return Association(
        name=spec.name,
        contact_email=spec.contact.email,
        contact_phone=spec.contact.phone,
        contact_hours={"fr": spec.contact.hours.fr, "en": spec.contact.hours.en},
        contact_response_time={
            "fr": spec.contact.response_time.fr,
            "en": spec.contact.response_time.en,
        },
        dpo=spec.dpo,
        privacy_policy_url=spec.privacy_policy_url,
        session_retention_days=spec.session_retention_days,
        unmatched_log_days=spec.unmatched_log_days,
        flow_resume_after_hours=spec.flow_resume_after_hours,
        review_max_age_days=spec.review_max_age_days,
        alert_categories=tuple(
            AlertCategory(c.id, {"fr": c.fr, "en": c.en}, c.default) for c in spec.alert_categories
        ),
    )


def _load_each(
    collector: _Collector,
    files: list[Path],
    model: type[M],
    take: Callable[[YamlDocument, M], None],
    section: str,
) -> set[str] | None:
    """Load every file; return the topic ids they declare, valid or not.

    None when a file is unreadable: its topics are unknown, so the cross-file
    checks must not call them missing.
    """
    declared: set[str] | None = set()
    for path in files:
        doc = collector.read(path)
        topics = doc.data.get(section) if doc and isinstance(doc.data, dict) else None
        if declared is not None and isinstance(topics, dict):
            declared |= {str(t) for t in topics}
        else:
            declared = None
        if doc is None:
            continue
        spec = collector.validate(doc, model)
        if spec is not None:
            take(doc, spec)
    return declared


def _has_unknown(text: str, values: dict[str, str]) -> bool:
    return _fill(text, values)[1] is not None


def _locate_id(collector: _Collector, folder: Path, name: str) -> tuple[str, int]:
    """The first file and line of `content/` that names the id `name`."""
    for path in sorted(folder.rglob("*")):
        if path.suffix not in {".yaml", ".md"} or not path.is_file():
            continue
        if path.stem == name:
            return collector.display(path), 1
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if name in line:
                return collector.display(path), number
    return collector.display(folder), 1


def load_root(
    root: Path, *, today: dt.date | None = None, exhaustive: bool = True
) -> tuple[Content | None, list[Problem]]:
    """Load and check everything under `root`; return the content (if no error) and problems.

    `exhaustive=False` skips the two slow proofs (every answer path of every flow, and
    near-duplicate phrasings across intents) for a quick start-up of content that
    `vigie content check` and CI have already proven; every other check still runs.
    """
    root = root.resolve()
    collector = _Collector(root)
    folder = root / "content"
    if not folder.is_dir() or not (root / "intents").is_dir():
        return None, [
            Problem(
                str(root),
                1,
                1,
                "dossier de contenu invalide : il doit contenir content/ et intents/",
            )
        ]
    association = load_association(collector, folder)

    intents: dict[str, Intent] = {}
    intent_docs: dict[str, YamlDocument] = {}

    def take_intents(doc: YamlDocument, spec: schema.IntentFile) -> None:
        for topic, item in spec.intents.items():
            if topic in intents:
                first = intent_docs[topic]
                collector.problems.append(
                    doc.problem(
                        ("intents", topic),
                        f"intention « {topic} » déjà définie dans {first.path}:"
                        f"{first.line_of(('intents', topic))[0]} : gardez-en une seule",
                    )
                )
                continue
            intents[topic] = Intent(
                topic, {"fr": tuple(item.fr), "en": tuple(item.en)}, item.threshold
            )
            intent_docs[topic] = doc

    declared_intents = _load_each(
        collector, _yaml_files(root / "intents"), schema.IntentFile, take_intents, "intents"
    )

    answers: dict[str, Answer] = {}
    answer_docs: dict[str, YamlDocument] = {}

    def take_answers(doc: YamlDocument, spec: schema.AnswerFile) -> None:
        for topic, item in spec.answers.items():
            if topic in answers:
                first = answer_docs[topic]
                collector.problems.append(
                    doc.problem(
                        ("answers", topic),
                        f"réponse « {topic} » déjà définie dans {first.path}:"
                        f"{first.line_of(('answers', topic))[0]} : gardez-en une seule",
                    )
                )
                continue
            texts: dict[str, LocalizedAnswer] = {}
            for lang in LANGUAGES:
                block: schema.AnswerFile.LocalizedSpec = getattr(item, lang)
                values = association.placeholders(lang) if association else {}
                rendered: dict[str, str] = {}
                for key in ("title", "text", "sources"):
                    location: Location = ("answers", topic, lang, key)
                    template = getattr(block, key)
                    filled, wrong = _fill(template, values)
                    if wrong and association:
                        at = text_line(template, partial(_has_unknown, values=values))
                        collector.problems.append(doc.text_problem(location, at, wrong))
                    rendered[key] = filled
                for message in html_errors(rendered["text"]):
                    at = text_line(rendered["text"], partial(has_html_error, message=message))
                    collector.problems.append(
                        doc.text_problem(("answers", topic, lang, "text"), at, f"HTML : {message}")
                    )
                for key in ("text", "sources"):
                    for warning in link_warnings(rendered[key]):
                        collector.problems.append(
                            doc.problem(("answers", topic, lang, key), warning, warning=True)
                        )
                length = visible_length(rendered["text"])
                if length > MAX_ANSWER_CHARS:
                    collector.problems.append(
                        doc.problem(
                            ("answers", topic, lang, "text"),
                            f"réponse trop longue : {length} caractères visibles "
                            f"(au plus {MAX_ANSWER_CHARS} ; raccourcissez ou scindez le sujet)",
                        )
                    )
                texts[lang] = LocalizedAnswer(
                    rendered["title"], rendered["text"], rendered["sources"]
                )
            answers[topic] = Answer(
                topic, item.last_reviewed, tuple(item.related), item.flow, texts
            )
            answer_docs[topic] = doc

    declared_answers = _load_each(
        collector, _yaml_files(folder / "answers"), schema.AnswerFile, take_answers, "answers"
    )

    ui: dict[str, dict[str, str]] = {}
    ui_doc = collector.read(folder / "ui.yaml")
    ui_spec = collector.validate(ui_doc, schema.UiFile) if ui_doc else None
    if ui_spec:
        ui = {key: {"fr": texts.fr, "en": texts.en} for key, texts in ui_spec.ui.items()}

    declared_flows: set[str] = set()
    flows, flow_problems = load_flows(
        folder / "flows",
        collector.display,
        collector.digest,
        declared=declared_flows,
        exhaustive=exhaustive,
    )
    collector.problems.extend(flow_problems)
    if ui_doc and ui_spec:
        check_ui_keys(collector, ui_doc, ui, answers, declared_flows)
    check_flow_topics(collector, folder / "flows", flows, answers)
    templates = load_alert_templates(collector, folder / "alerts", association)
    collector.problems.extend(
        callback_problems(
            answers, flows, association, templates, partial(_locate_id, collector, folder)
        )
    )

    catalogue_doc = collector.read(folder / "reference" / "catalogue.yaml")
    catalogue = catalogue_topics(collector, catalogue_doc)

    collector.problems.extend(
        lint_content(
            intents=intents,
            intent_docs=intent_docs,
            answers=answers,
            answer_docs=answer_docs,
            flows=flows,
            catalogue_ids=list(catalogue),
            catalogue_path=collector.display(folder / "reference" / "catalogue.yaml"),
            review_max_age_days=association.review_max_age_days if association else 365,
            today=today or dt.date.today(),
            catalogue_lines=catalogue,
            declared_intents=declared_intents,
            declared_answers=declared_answers,
            declared_flows=declared_flows,
            exhaustive=exhaustive,
        )
    )
    errors = [p for p in collector.problems if not p.warning]
    if errors or association is None:
        return None, sorted(collector.problems)
    content = Content(
        answers=answers,
        intents=intents,
        ui=UiTexts(ui),
        association=association,
        flows=flows,
        alert_templates=templates,
        version=collector.digest.hexdigest()[:12],
    )
    return content, sorted(collector.problems)


def load_content(root: Path, *, today: dt.date | None = None, exhaustive: bool = True) -> Content:
    """Load content or raise `ContentError` listing every error."""
    content, problems = load_root(root, today=today, exhaustive=exhaustive)
    if content is None:
        raise ContentError([p for p in problems if not p.warning] or problems)
    return content
