"""Vigie._handle's decisions, one update at a time: who reaches the admin handler, what is
counted, what is stored."""

from __future__ import annotations

from bot.core.events import Event
from bot.core.reply import Reply
from bot.core.session import Session
from bot.service import Actor, Vigie
from tests.conftest import FixedClock
from tests.corechat import CoreChat

ADMIN = 42


class AdminHandler:
    def __init__(self, wants_text: bool = True) -> None:
        self.reached: list[tuple[int, str, str, str]] = []
        self.wants_text = wants_text

    async def __call__(self, actor: Actor, event: Event, lang: str) -> list[Reply]:
        self.reached.append((actor.user_id, event.kind, event.value, lang))
        return [Reply("admin reply")]

    def wants(self, actor: Actor) -> bool:
        return self.wants_text


def install(service: Vigie, wants_text: bool = True) -> AdminHandler:
    handler = AdminHandler(wants_text)
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
    handler = install(service, wants_text=True)
    member = CoreChat(service, user_id=7)
    await member.send("bonjour")
    assert handler.reached == []
    admin = CoreChat(service, user_id=ADMIN)
    assert [r.text for r in await admin.send("Texte de l'alerte")] == ["admin reply"]
    assert handler.reached == [(ADMIN, "text", "Texte de l'alerte", "fr")]
    handler.wants_text = False
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
