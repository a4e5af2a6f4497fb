"""Load a content root (files -> YAML nodes -> validated models -> core content).

Every problem in every file is collected before anything fails, so an editor
sees the whole list at once. `load_content` raises `ContentError` with
errors only; warnings are returned by `check_content` alongside.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content import schema
from bot.content.errors import ContentError, Problem
from bot.content.flows import load_flows
from bot.content.lint import lint_content
from bot.content.yamlsource import YamlDocument, read_yaml
from bot.core.content import (
    AlertCategory,
    AlertTemplate,
    Answer,
    Association,
    Content,
    Intent,
    LocalizedAnswer,
    UiTexts,
)
from bot.core.html import html_errors, visible_length
from bot.core.limits import LANGUAGES
from bot.core.uikeys import REQUIRED_UI_KEYS

M = TypeVar("M", bound=BaseModel)
MAX_ANSWER_CHARS = 1200


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
            for error in exc.errors():
                location = tuple(p for p in error["loc"] if p != "[key]")
                self.problems.append(doc.problem(location, _explain(error, location, doc)))
            return None


def _explain(error: Any, location: tuple[str | int, ...], doc: YamlDocument) -> str:
    kind = error["type"]
    where = "/".join(str(p) for p in location) or "racine"
    if kind == "extra_forbidden":
        return f"clé inconnue « {location[-1]} » dans {where} (vérifiez l'orthographe)"
    if kind == "missing":
        return f"champ « {location[-1]} » manquant dans {where}"
    if kind in {"string_type", "str_type"}:
        if location in doc.unquoted:
            return f'{where} : texte attendu ; mettez le texte entre guillemets (ex. "non")'
        return f"{where} : texte attendu"
    if kind == "string_pattern_mismatch":
        return f"{where} : identifiant « {error.get('input')} » invalide (ex. breach.deadline)"
    if kind == "string_too_long":
        return f"{where} : texte trop long ({error['ctx']['max_length']} caractères au plus)"
    if kind.startswith("date"):
        return f"{where} : date attendue au format AAAA-MM-JJ"
    if kind in {"dict_type", "model_type"}:
        return f"{where} : une liste de clés « nom: valeur » est attendue ici"
    if kind == "list_type":
        return f"{where} : une liste (lignes commençant par « - ») est attendue ici"
    return f"{where} : {error['msg']}"


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("."))


def _fill(template: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """Fill `{placeholders}`; return the text and the unknown placeholder names."""
    unknown: list[str] = []
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        return template, [f"accolade mal formée ({exc}) ; écrivez {{{{ ou }}}} pour une accolade"]
    unknown = [n for n in names if n not in values]
    if unknown:
        return template, unknown
    return template.format(**values), []


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
) -> None:
    for path in files:
        doc = collector.read(path)
        if doc is None:
            continue
        spec = collector.validate(doc, model)
        if spec is not None:
            take(doc, spec)


def load_root(root: Path, *, today: dt.date | None = None) -> tuple[Content | None, list[Problem]]:
    """Load and check everything under `root`; return the content (if no error) and problems."""
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
                collector.problems.append(
                    doc.problem(
                        ("intents", topic),
                        f"intention « {topic} » déjà définie dans {intent_docs[topic].path}",
                    )
                )
                continue
            intents[topic] = Intent(
                topic, {"fr": tuple(item.fr), "en": tuple(item.en)}, item.threshold
            )
            intent_docs[topic] = doc

    _load_each(collector, _yaml_files(root / "intents"), schema.IntentFile, take_intents)

    answers: dict[str, Answer] = {}
    answer_docs: dict[str, YamlDocument] = {}

    def take_answers(doc: YamlDocument, spec: schema.AnswerFile) -> None:
        for topic, item in spec.answers.items():
            if topic in answers:
                collector.problems.append(
                    doc.problem(
                        ("answers", topic),
                        f"réponse « {topic} » déjà définie dans {answer_docs[topic].path}",
                    )
                )
                continue
            texts: dict[str, LocalizedAnswer] = {}
            for lang in LANGUAGES:
                block: schema.AnswerFile.LocalizedSpec = getattr(item, lang)
                values = association.placeholders(lang) if association else {}
                rendered: dict[str, str] = {}
                for key in ("title", "text", "sources"):
                    filled, unknown = _fill(getattr(block, key), values)
                    if unknown and association:
                        collector.problems.append(
                            doc.problem(
                                ("answers", topic, lang, key),
                                f"variable inconnue {', '.join(unknown)} (attendu : "
                                f"{', '.join('{' + k + '}' for k in sorted(values))})",
                            )
                        )
                    rendered[key] = filled
                for message in html_errors(rendered["text"]):
                    collector.problems.append(
                        doc.problem(("answers", topic, lang, "text"), f"HTML : {message}")
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

    _load_each(collector, _yaml_files(folder / "answers"), schema.AnswerFile, take_answers)

    ui: dict[str, dict[str, str]] = {}
    ui_doc = collector.read(folder / "ui.yaml")
    ui_spec = collector.validate(ui_doc, schema.UiFile) if ui_doc else None
    if ui_doc and ui_spec:
        ui = {key: {"fr": texts.fr, "en": texts.en} for key, texts in ui_spec.ui.items()}
        for key in sorted(REQUIRED_UI_KEYS - ui.keys()):
            collector.problems.append(
                ui_doc.problem(("ui",), f"texte d'interface « {key} » manquant (fr et en)")
            )

    flows, flow_problems = load_flows(folder / "flows", collector.display, collector.digest)
    collector.problems.extend(flow_problems)
    templates = _load_alert_templates(collector, folder / "alerts")

    catalogue_doc = collector.read(folder / "reference" / "catalogue.yaml")
    catalogue_ids = (
        [t.get("id") for t in (catalogue_doc.data or {}).get("topics", [])]
        if (catalogue_doc and isinstance(catalogue_doc.data, dict))
        else []
    )

    collector.problems.extend(
        lint_content(
            intents=intents,
            intent_docs=intent_docs,
            answers=answers,
            answer_docs=answer_docs,
            flows=flows,
            catalogue_ids=[c for c in catalogue_ids if isinstance(c, str)],
            catalogue_path=collector.display(folder / "reference" / "catalogue.yaml"),
            review_max_age_days=association.review_max_age_days if association else 365,
            today=today or dt.date.today(),
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


def _load_alert_templates(collector: _Collector, folder: Path) -> dict[str, AlertTemplate]:
    """`content/alerts/*.md`: a YAML front matter (title, category) then the HTML text."""
    templates: dict[str, AlertTemplate] = {}
    if not folder.is_dir():
        return templates
    for path in sorted(folder.glob("*.md")):
        display = collector.display(path)
        raw = path.read_text(encoding="utf-8")
        collector.digest.update(raw.encode())
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
        from bot.content.yamlsource import parse_yaml

        doc, problems = parse_yaml(head, display)
        collector.problems.extend(problems)
        spec = collector.validate(doc, schema.AlertTemplateFile) if doc else None
        if spec is None:
            continue
        body_line = head.count("\n") + 3
        for message in html_errors(body.strip()):
            collector.problems.append(Problem(display, body_line, 1, f"HTML : {message}"))
        templates[path.stem] = AlertTemplate(path.stem, spec.title, body.strip(), spec.category)
    return templates


def load_content(root: Path, *, today: dt.date | None = None) -> Content:
    """Load content or raise `ContentError` listing every error."""
    content, problems = load_root(root, today=today)
    if content is None:
        raise ContentError([p for p in problems if not p.warning] or problems)
    return content
