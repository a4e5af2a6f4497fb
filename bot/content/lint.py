"""Cross-file checks: every reference resolves and phrasings don't collide.

Schema validation sees one file at a time; these checks see the whole
content: the catalogue is covered, buttons point to real topics, and no
phrasing teaches the matcher two different answers.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping, Set

from rapidfuzz import fuzz, process

from bot.content.errors import Problem
from bot.content.yamlsource import YamlDocument
from bot.core.content import SMALLTALK_PREFIX, Answer, Intent
from bot.core.flows.model import Flow
from bot.core.matching.text import fold, normalise

MIN_EXAMPLES = {"fr": 15, "en": 6}
NEAR_DUPLICATE = 95.0


def lint_content(
    *,
    intents: Mapping[str, Intent],
    intent_docs: Mapping[str, YamlDocument],
    answers: Mapping[str, Answer],
    answer_docs: Mapping[str, YamlDocument],
    flows: Mapping[str, Flow],
    catalogue_ids: list[str],
    catalogue_path: str,
    review_max_age_days: int,
    today: dt.date,
    catalogue_lines: Mapping[str, int] | None = None,
    declared_intents: Set[str] | None = frozenset(),
    declared_answers: Set[str] | None = frozenset(),
    declared_flows: Set[str] | None = frozenset(),
    exhaustive: bool = True,
) -> list[Problem]:
    """Cross-file checks.

    `declared_*` are the ids that files declare even when they failed
    validation (their own errors are already reported); None means a file
    could not be read at all, so nothing may be called missing from that kind.
    """
    problems: list[Problem] = []
    has_intent = _known(intents, declared_intents)
    has_answer = _known(answers, declared_answers)
    has_flow = _known(flows, declared_flows)
    for topic in catalogue_ids:
        line = (catalogue_lines or {}).get(topic, 1)
        if not has_intent(topic):
            problems.append(
                Problem(
                    catalogue_path,
                    line,
                    1,
                    f"le sujet « {topic} » n'a pas d'intention dans intents/",
                )
            )
        if not has_answer(topic):
            problems.append(
                Problem(
                    catalogue_path,
                    line,
                    1,
                    f"le sujet « {topic} » n'a pas de réponse dans content/answers/",
                )
            )
    for topic, intent in intents.items():
        doc = intent_docs[topic]
        if not has_answer(topic):
            problems.append(
                doc.problem(
                    ("intents", topic),
                    f"l'intention « {topic} » n'a pas de "
                    "réponse : ajoutez-la dans content/answers/",
                )
            )
        if topic in catalogue_ids:
            for lang, minimum in MIN_EXAMPLES.items():
                count = len(intent.examples.get(lang, ()))
                if count < minimum:
                    problems.append(
                        doc.problem(
                            ("intents", topic, lang),
                            f"{count} formulations en {lang} pour « {topic} » (au moins {minimum})",
                        )
                    )
    known = sorted(set(answers) | set(intents))
    for topic, answer in answers.items():
        doc = answer_docs[topic]
        if not has_intent(topic):
            problems.append(
                doc.problem(
                    ("answers", topic),
                    f"la réponse « {topic} » n'a pas "
                    "d'intention : ajoutez des formulations dans intents/",
                )
            )
        for i, related in enumerate(answer.related):
            if not (has_intent(related) or has_answer(related)):
                close = difflib.get_close_matches(related, known, n=1)
                problems.append(
                    doc.problem(
                        ("answers", topic, "related", i),
                        f"bouton vers un sujet inconnu « {related} »"
                        + (f" : vouliez-vous dire « {close[0]} » ?" if close else ""),
                    )
                )
            elif related == topic:
                problems.append(
                    doc.problem(
                        ("answers", topic, "related", i), "un sujet ne peut pas renvoyer à lui-même"
                    )
                )
        if answer.flow is not None and not has_flow(answer.flow):
            problems.append(
                doc.problem(
                    ("answers", topic, "flow"),
                    f"parcours inconnu « {answer.flow} » (connus : "
                    f"{', '.join(sorted(set(flows) | set(declared_flows or ()))) or 'aucun'})",
                )
            )
        if not topic.startswith(SMALLTALK_PREFIX):
            age = (today - answer.last_reviewed).days
            if age < 0:
                problems.append(
                    doc.problem(
                        ("answers", topic, "last_reviewed"),
                        f"date de relecture dans le futur ({answer.last_reviewed}) : "
                        "indiquez la date de la dernière relecture (AAAA-MM-JJ)",
                    )
                )
            elif age > review_max_age_days:
                problems.append(
                    doc.problem(
                        ("answers", topic, "last_reviewed"),
                        f"relue il y a {age} jours (plus de {review_max_age_days}) : "
                        "faites-la relire",
                        warning=True,
                    )
                )
    if exhaustive:
        problems.extend(_collisions(intents, intent_docs))
    return problems


def _known(loaded: Mapping[str, object], declared: Set[str] | None) -> Callable[[str], bool]:
    if declared is None:
        return lambda _: True  # a file could not be read: its ids are unknown
    return lambda topic: topic in loaded or topic in declared


def _collisions(intents: Mapping[str, Intent], docs: Mapping[str, YamlDocument]) -> list[Problem]:
    """Phrasings that are the same, or nearly, in two different intents."""
    every = [
        (topic, lang, i, phrase, normalise(phrase))
        for topic, intent in intents.items()
        for lang, phrases in intent.examples.items()
        for i, phrase in enumerate(phrases)
    ]
    problems: list[Problem] = []
    # Too short for a fuzzy score ("merci", "bonjour !"): compare them exactly.
    first: dict[str, tuple[str, str, int, str, str]] = {}
    for entry in (e for e in every if len(e[4]) < 8):
        key = fold(entry[3])
        seen = first.setdefault(key, entry)
        if seen[0] != entry[0] and key:
            problems.append(_collision(entry, (*seen[:4], entry[4]), docs))
    entries = [e for e in every if len(e[4]) >= 8]
    if not entries:
        return problems
    norms = [e[4] for e in entries]
    for a, norm in enumerate(norms):
        hits = process.extract(
            norm, norms, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE, limit=None
        )
        for _, _, b in hits:
            if a >= b or entries[a][0] == entries[b][0]:
                continue
            problems.append(_collision(entries[b], entries[a], docs))
    return problems


def _collision(
    entry: tuple[str, str, int, str, str],
    other: tuple[str, str, int, str, str],
    docs: Mapping[str, YamlDocument],
) -> Problem:
    topic, lang, i, phrase, norm = entry
    other_doc = docs[other[0]]
    other_line = other_doc.line_of(("intents", other[0], other[1], other[2]))[0]
    same = "identique à" if norm == other[4] else "presque identique à"
    return docs[topic].problem(
        ("intents", topic, lang, i),
        f"« {phrase} » est {same} une formulation de « {other[0]} » "
        f"({other_doc.path}:{other_line}) : une formulation ne doit appartenir qu'à une intention",
    )
