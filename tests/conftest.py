"""Shared fixtures: the real content, loaded once, and a service on real SQLite."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from bot.adapters.semantic.e5 import E5Encoder
from bot.content.loader import load_content
from bot.core.assistant import Assistant
from bot.core.content import Content
from bot.core.matching.matcher import Matcher
from bot.service import FloodGuard, Vigie
from bot.storage.database import Database
from bot.storage.reminders import ReminderStore
from bot.storage.stores import SqliteSessions, SqliteStats, SqliteSubscriptions

# PTB 22 warns about retry_after as int unless opted into timedelta (warnings are errors).
os.environ.setdefault("PTB_TIMEDELTA", "true")

# Hypothesis: on a developer's machine, random examples with the example database, so that a
# failure found once is replayed until fixed; in CI (CI=true), derandomised, so that a red CI is
# always the code's fault and can be reproduced with `CI=true make test`. Both print the blob
# that replays a failure with @reproduce_failure.
settings.register_profile("dev", print_blob=True)
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parent.parent
# The end-to-end fixtures (`fake_api`, `launch`) for every test module.
pytest_plugins = ["tests.e2e_support"]
SECRET = b"test-secret-0123456789abcdef0123456789"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(ROOT)


@pytest.fixture(scope="session")
def encoder(request: pytest.FixtureRequest) -> E5Encoder:
    """The real sentence encoder, loaded once; the shipped seed holds the vectors of every
    shipped phrasing (tests/test_semantic_seed.py), so nothing is embedded at start."""
    return E5Encoder(cli_db(request).parent / "semantic-cache")


def cli_db(request: pytest.FixtureRequest) -> Path:
    """A VIGIE_DB for CLI tests whose semantic cache is the session encoder's."""
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    folder = factory.getbasetemp() / "vigie"
    folder.mkdir(exist_ok=True)
    return folder / "vigie.db"


@pytest.fixture(scope="session")
def matcher(content: Content, encoder: E5Encoder) -> Matcher:
    return Matcher(content.intents, encoder=encoder)


@pytest.fixture(scope="session")
def lexical_matcher(content: Content) -> Matcher:
    """Matching as it is without the encoder (VIGIE_SEMANTIC=off, or no model)."""
    return Matcher(content.intents)


@pytest.fixture(scope="session")
def assistant(content: Content, matcher: Matcher) -> Assistant:
    return Assistant(content, matcher)


class FixedClock:
    """The only thing tests patch: time."""

    def __init__(self, now: datetime | None = None):
        self.now = now or datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "vigie.db") as database:
        yield database


@pytest.fixture
def service(assistant: Assistant, db: Database, clock: FixedClock) -> Vigie:
    return Vigie(
        assistant, secret=SECRET, sessions=SqliteSessions(db),
        subscriptions=SqliteSubscriptions(db), stats=SqliteStats(db), admin_ids=frozenset({42}),
        clock=clock, flood=FloodGuard(limit=1000), reminders=ReminderStore(db),
    )
