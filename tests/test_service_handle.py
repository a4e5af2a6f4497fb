"""Vigie._handle's decisions, one update at a time: who reaches the admin handler, what is
counted, what is stored."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from bot.core import callbacks
from bot.core.assistant import Assistant
from bot.core.events import Event
from bot.core.matching.semantic import SemanticIndex
from bot.core.reply import Reply
from bot.core.session import Session
from bot.service import Actor, Vigie
from bot.storage.database import Database
from bot.storage.stores import SqliteSessions, SqliteStats, SqliteSubscriptions
from tests.conftest import SECRET, FixedClock
from tests.corechat import CoreChat

ADMIN = 42


class AdminHandler:
    """Like the broadcast module's: a text is wanted from the admins writing a draft."""

    def __init__(self, drafting: frozenset[int]) -> None:
        self.reached: list[tuple[int, str, str, str]] = []
        self.drafting = set(drafting)

    async def __call__(self, actor: Actor, event: Event, lang: str) -> list[Reply]:
        self.reached.append((actor.user_id, event.kind, event.value, lang))
        return [Reply("admin reply")]

    def wants(self, actor: Actor) -> bool:
        return actor.user_id in self.drafting


def install(service: Vigie, drafting: frozenset[int] = frozenset({ADMIN})) -> AdminHandler:
    handler = AdminHandler(drafting)
    service.admin_handler = handler
    service.admin_wants_text = handler.wants
    return handler


async def refused(service: Vigie) -> list[tuple[str, str, int]]:
    return [e for e in await service.stats.events("2000-01-01") if e[1] == "admin_refused"]


async def test_an_admin_command_from_a_member_is_unknown_and_counted_once(
    service: Vigie, clock: FixedClock
) -> None:
    handler = install(service)
    member, other = CoreChat(service, user_id=7), CoreChat(service, user_id=8)
    await other.send("/nimportequoi")
    assert await member.send("/diffusions") == other.replies
    assert handler.reached == []
    assert await refused(service) == [(clock.now.date().isoformat(), "admin_refused", 1)]


async def test_an_admin_command_from_the_admin_reaches_the_handler_in_their_language(
    service: Vigie,
) -> None:
    handler = install(service)
    admin = CoreChat(service, user_id=ADMIN, lang="en-GB")
    replies = await admin.send("/diffusions")
    assert [r.text for r in replies] == ["admin reply"]
    assert handler.reached == [(ADMIN, "command", "diffusions", "en")]
    assert await refused(service) == []


async def test_an_admin_button_pressed_by_a_member_is_refused_and_counted(
    service: Vigie,
) -> None:
    handler = install(service)
    member = CoreChat(service, user_id=7)
    await member.click_data("1|b:go")
    await member.click_data("1|zz")  # not an admin button: not counted
    await member.click_data("garbage")
    assert handler.reached == []
    assert [count for _, _, count in await refused(service)] == [1]
    admin = CoreChat(service, user_id=ADMIN)
    await admin.click_data("1|b:go")
    assert handler.reached == [(ADMIN, "press", "1|b:go", "fr")]


async def test_an_admins_text_goes_to_the_handler_only_while_a_draft_is_awaited(
    service: Vigie,
) -> None:
    handler = install(service)
    member = CoreChat(service, user_id=7)
    await member.send("bonjour")
    assert handler.reached == []
    admin = CoreChat(service, user_id=ADMIN)
    assert [r.text for r in await admin.send("Texte de l'alerte")] == ["admin reply"]
    assert handler.reached == [(ADMIN, "text", "Texte de l'alerte", "fr")]
    handler.drafting.clear()
    assert [r.text for r in await admin.send("bonjour")] != ["admin reply"]
    assert len(handler.reached) == 1


async def test_whoami_answers_and_stores_nothing(service: Vigie) -> None:
    chat = CoreChat(service, user_id=5)
    replies = await chat.send("/moi")
    assert replies and "5" in replies[0].text
    assert await service.sessions.get(service.key(chat.actor)) is None
    assert await service.stats.events("2000-01-01") == []


async def test_a_group_leaves_the_members_session_as_it_was(service: Vigie) -> None:
    key = service.key(Actor(5, 5))
    await service.sessions.put(key, Session(lang="en", updated_at=1.0))
    group = CoreChat(service, user_id=5, lang="fr", private=False)
    await group.send("/langue fr")
    await group.send("/start")
    assert await service.sessions.get(key) == Session(lang="en", updated_at=1.0)
    newcomer = CoreChat(service, user_id=9, private=False)
    await newcomer.send("/start")
    assert await service.sessions.get(service.key(newcomer.actor)) is None


async def test_an_admin_command_from_a_member_is_refused_in_the_members_language(
    service: Vigie,
) -> None:
    install(service)
    member, other = CoreChat(service, user_id=7, lang="en"), CoreChat(service, user_id=8, lang="en")
    await other.send("/nimportequoi")
    assert [r.text for r in await member.send("/diffusions")] == [
        service.content.ui.get("command.unknown", "en")
    ]
    assert await member.send("/diffusions") == other.replies


async def test_whoami_answers_in_the_members_language(service: Vigie) -> None:
    replies = await CoreChat(service, user_id=5, lang="en").send("/moi")
    assert [r.text for r in replies] == [service.content.ui.get("whoami.private", "en", id="5")]


async def test_in_a_group_the_members_private_language_is_not_read(service: Vigie) -> None:
    await service.sessions.put(service.key(Actor(5, 5)), Session(lang="en", updated_at=1.0))
    menu = callbacks.encode("m", "menu")
    in_group = await CoreChat(service, user_id=5, lang="fr", private=False).click_data(menu)
    newcomer = await CoreChat(service, user_id=9, lang="fr", private=False).click_data(menu)
    assert in_group == newcomer
    assert in_group != await CoreChat(service, user_id=5, lang="fr").click_data(menu)


async def test_alertes_shows_a_subscribers_own_choice_and_changes_nothing(
    service: Vigie,
) -> None:
    await service.subscriptions.put(7, "fr", ("cnil",))
    replies = await CoreChat(service, user_id=7).send("/alertes")
    ui = service.content.ui
    assert replies[0].text.splitlines()[0] == ui.get("alerts.status", "fr")
    assert "✅ Actualités CNIL et réglementaires" in replies[0].text.splitlines()
    found = await service.subscriptions.get(7)
    assert found is not None and found.categories == ("cnil",)


async def test_a_reminder_button_works_only_where_reminders_can_be_kept(
    service: Vigie, assistant: Assistant, db: Database, clock: FixedClock
) -> None:
    done = callbacks.encode("r", "done")
    ui = service.content.ui
    assert [r.text for r in await CoreChat(service, user_id=7).click_data(done)] == [
        ui.get("reminder.cancelled", "fr")
    ]
    console = Vigie(
        assistant, secret=SECRET, sessions=SqliteSessions(db),
        subscriptions=SqliteSubscriptions(db), stats=SqliteStats(db), clock=clock,
    )
    assert [r.text for r in await CoreChat(console, user_id=7).click_data(done)] == [
        ui.get("reminder.unavailable", "fr")
    ]


class RecordingIndex:
    """The semantic signal, recording the thread it was asked from (or failing)."""

    def __init__(self, fail: bool = False) -> None:
        self.threads: list[int] = []
        self.fail = fail

    def similarities(self, text: str) -> Mapping[str, tuple[float, float]]:
        self.threads.append(threading.get_ident())
        if self.fail:
            raise RuntimeError("the model crashed")
        return {"breach.ransomware": (0.9, 0.9), "smalltalk.out_of_scope": (0.4, 0.4)}


class FixedEncoder:
    name = "recording"

    def __init__(self, index: RecordingIndex) -> None:
        self._index = index

    def index(self, examples: Sequence[tuple[str, str]]) -> SemanticIndex:
        return self._index


def with_index(service: Vigie, index: RecordingIndex) -> Vigie:
    matcher = service.assistant.matcher.with_encoder(FixedEncoder(index))
    service.assistant = Assistant(service.content, matcher)
    return service


async def test_a_members_text_is_matched_off_the_event_loop(service: Vigie) -> None:
    index = RecordingIndex()
    await CoreChat(with_index(service, index), user_id=7).send("une question un peu floue")
    assert index.threads and threading.get_ident() not in index.threads


async def test_a_core_failure_is_logged_and_the_member_told_in_their_language(
    service: Vigie, caplog: pytest.LogCaptureFixture
) -> None:
    chat = CoreChat(with_index(service, RecordingIndex(fail=True)), user_id=7, lang="en")
    with caplog.at_level(logging.ERROR, logger="vigie"):
        replies = await chat.send("a question the model cannot read")
    assert [r.text for r in replies] == [service.content.ui.get("error.internal", "en")]
    assert [(r.getMessage(), r.exc_info is not None) for r in caplog.records] == [
        ("core failure on a text update", True)
    ]
    assert await service.sessions.get(service.key(chat.actor)) is None


def wal_size(db: Database) -> int:
    return Path(f"{db.path}-wal").stat().st_size


async def test_a_finished_flow_is_scrubbed_from_the_write_ahead_log(
    service: Vigie, db: Database
) -> None:
    member = CoreChat(service, user_id=7)
    await member.send("/notifier")
    await member.click("Oui")
    await member.click("Pour un autre (sous-traitant)")
    assert wal_size(db) > 0  # a flow under way is not scrubbed at every step
    await member.click("✅ Voir le résultat")
    session = await service.sessions.get(service.key(member.actor))
    assert session is not None and session.flow is None
    assert wal_size(db) == 0


async def test_an_ordinary_message_leaves_the_write_ahead_log_alone(
    service: Vigie, db: Database
) -> None:
    await CoreChat(service, user_id=7).send("/start")
    assert wal_size(db) > 0  # scrubbing (a checkpoint) is kept for erasures


async def test_an_update_that_changes_nothing_writes_nothing(service: Vigie, db: Database) -> None:
    member = CoreChat(service, user_id=7)
    await member.send("/start")
    before = wal_size(db)
    await member.click_data(callbacks.encode("m", "menu"))  # same instant, same session
    assert wal_size(db) == before
