"""The content model: topics, answers, intents, interface texts and settings.

Plain frozen dataclasses built by `bot.content.loader` after validation; the
core never sees YAML. Answers are stored already rendered (association
placeholders filled in), so a reply costs nothing but a lookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from bot.core.limits import DEFAULT_LANGUAGE
from bot.core.templates import fill

if TYPE_CHECKING:
    from bot.core.flows.model import Flow

SMALLTALK_PREFIX = "smalltalk."
OUT_OF_SCOPE = "smalltalk.out_of_scope"


@dataclass(frozen=True)
class LocalizedAnswer:
    title: str
    text: str
    sources: str


@dataclass(frozen=True)
class Answer:
    topic: str
    last_reviewed: date
    related: tuple[str, ...]
    flow: str | None
    texts: Mapping[str, LocalizedAnswer]

    def in_lang(self, lang: str) -> LocalizedAnswer:
        return self.texts.get(lang) or self.texts[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Intent:
    topic: str
    examples: Mapping[str, tuple[str, ...]]
    threshold: float | None = None


@dataclass(frozen=True)
class AlertCategory:
    id: str
    labels: Mapping[str, str]
    default: bool


@dataclass(frozen=True)
class Association:
    name: str
    contact_email: str
    contact_phone: str
    contact_hours: Mapping[str, str]
    contact_response_time: Mapping[str, str]
    dpo: str | None
    privacy_policy_url: str
    session_retention_days: int
    unmatched_log_days: int
    flow_resume_after_hours: int
    review_max_age_days: int
    alert_categories: tuple[AlertCategory, ...]

    def placeholders(self, lang: str) -> dict[str, str]:
        """Values for `{placeholder}` in answers and interface texts."""
        none = {"fr": "aucun délégué désigné", "en": "none appointed"}
        return {
            "association_name": self.name,
            "contact_email": self.contact_email,
            "contact_phone": self.contact_phone,
            "contact_hours": self.contact_hours.get(lang, ""),
            "contact_response_time": self.contact_response_time.get(lang, ""),
            "dpo_contact": self.dpo or none.get(lang, none["fr"]),
            "privacy_policy_url": self.privacy_policy_url,
            "session_retention_days": str(self.session_retention_days),
            "unmatched_log_days": str(self.unmatched_log_days),
            "alert_categories": ", ".join(c.labels.get(lang, c.id) for c in self.alert_categories),
        }

    def category(self, category_id: str) -> AlertCategory | None:
        return next((c for c in self.alert_categories if c.id == category_id), None)


@dataclass(frozen=True)
class UiTexts:
    """Interface texts by key and language; `{name}` placeholders are filled on use."""

    texts: Mapping[str, Mapping[str, str]]

    def get(self, key: str, lang: str, /, **params: object) -> str:
        by_lang = self.texts.get(key)
        if by_lang is None:
            return key
        template = by_lang.get(lang) or by_lang.get(DEFAULT_LANGUAGE, key)
        # Always filled, so "{{" is a literal brace; the loader checks the placeholders.
        return fill(template, params)


@dataclass(frozen=True)
class AlertTemplate:
    id: str
    title: str
    text: str
    category: str


@dataclass(frozen=True)
class Content:
    answers: Mapping[str, Answer]
    intents: Mapping[str, Intent]
    ui: UiTexts
    association: Association
    flows: Mapping[str, Flow] = field(default_factory=dict)
    alert_templates: Mapping[str, AlertTemplate] = field(default_factory=dict)
    # A digest of the files, so a reload and the logs can say which content is live.
    version: str = ""

    def title(self, topic: str, lang: str) -> str:
        answer = self.answers.get(topic)
        return answer.in_lang(lang).title if answer else topic
