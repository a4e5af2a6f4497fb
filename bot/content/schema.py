"""The schemas of every content file, in one place.

Pydantic checks types, unknown keys and missing fields; its errors carry the
location of the faulty value, which `bot.content.loader` turns into
`file:line: message` with the YAML positions.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.core.limits import MAX_ID_CHARS

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# ASCII and at most MAX_ID_CHARS: every id fits in a button's callback data.
TopicId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$", max_length=MAX_ID_CHARS),
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=MAX_ID_CHARS)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Bilingual(Strict):
    fr: Text
    en: Text


class IntentFile(Strict):
    class IntentSpec(Strict):
        threshold: float | None = Field(default=None, ge=0, le=100)
        fr: list[Text] = Field(min_length=1)
        en: list[Text] = Field(min_length=1)

    intents: dict[TopicId, IntentSpec]


class AnswerFile(Strict):
    class LocalizedSpec(Strict):
        title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
        text: Text
        sources: Text

    class AnswerSpec(Strict):
        last_reviewed: dt.date
        related: list[TopicId] = Field(default_factory=list, max_length=3)
        flow: Slug | None = None
        fr: AnswerFile.LocalizedSpec
        en: AnswerFile.LocalizedSpec

    answers: dict[TopicId, AnswerSpec]


class AssociationFile(Strict):
    class Contact(Strict):
        email: Text
        phone: Text
        hours: Bilingual
        response_time: Bilingual

    class Category(Strict):
        id: Slug
        default: bool = False
        fr: Text
        en: Text

    name: Text
    contact: Contact
    dpo: Text | None = None
    privacy_policy_url: Text
    session_retention_days: int = Field(ge=1, le=365)
    unmatched_log_days: int = Field(ge=1, le=30)
    flow_resume_after_hours: int = Field(default=24, ge=1, le=24 * 30)
    review_max_age_days: int = Field(default=365, ge=30)
    alert_categories: list[Category] = Field(min_length=1)


class UiFile(Strict):
    ui: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]*$")], Bilingual]


class AlertTemplateFile(Strict):
    """Front matter of `content/alerts/*.md`."""

    title: Text
    category: Slug


LanguageCode = Literal["fr", "en"]
