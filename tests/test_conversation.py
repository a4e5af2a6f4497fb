"""The core conversation through the service, with real content and real SQLite."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.core import flowchat, render
from bot.core.assistant import Assistant
from bot.core.commands import MEMBER_COMMANDS
from bot.core.content import Content
from bot.core.events import Context, Event
from bot.core.flows import engine
from bot.core.flows.engine import FlowState
from bot.core.flows.explore import SAMPLE_DATE, TERMINAL
from bot.core.flows.model import Flow
from bot.core.flows.results import answer_label
from bot.core.html import html_errors, split_message
from bot.core.limits import MAX_BUTTON_LABEL, MAX_CALLBACK_DATA_BYTES, MAX_MESSAGE_LENGTH
from bot.core.reply import Reply
from bot.core.session import Session
from bot.service import Vigie
from tests.corechat import CoreChat
from tests.fakes.bot_api import render_markup

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def test_start_offers_the_four_main_paths(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/start")
    assert "Vigie" in chat.text
    assert chat.labels == ["🚨 Dois-je notifier la CNIL ?", "🔒 Sécurité de mon cabinet",
                           "🔔 Recevoir les alertes", "💬 Poser une question"]


async def test_english_telegram_users_get_english(service: Vigie) -> None:
    chat = CoreChat(service, lang="en-GB")
    await chat.send("/start")
    assert "Must I notify the CNIL?" in chat.labels[0]


async def test_a_question_gets_a_sourced_answer_with_related_buttons(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("j'ai combien de temps pour notifier la cnil apres une fuite ?")
    assert "72 heures" in chat.text
    assert "Sources :" in chat.text
    assert len(chat.labels) >= 3
    assert html_errors(chat.replies[0].text) == []


async def test_a_typo_ridden_english_question_is_answered_in_english(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("shoud I encript the practice laptops?")
    # Not sure enough to answer: an English reply, never "I only cover data protection"
    # (the words point to encryption), and the best suggestion comes first.
    assert chat.text.startswith(("I am not sure I understood", "I have no reliable answer"))
    assert "I only cover" not in chat.text
    assert chat.labels[0] == "Data encryption"


async def test_out_of_scope_is_honest_and_does_not_send_it_to_the_data_protection_mailbox(
    service: Vigie,
) -> None:
    chat = CoreChat(service)
    await chat.send("quel est le taux de cotisation URSSAF pour un médecin secteur 1 ?")
    assert "Je ne traite que la protection des données" in chat.text
    # a fee question is not for the association's data-protection mailbox
    assert service.content.association.contact_email not in chat.text
    assert "/aide" in chat.text
    assert "Sources" not in chat.text


async def test_related_topic_button_shows_that_topic(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("j'ai combien de temps pour notifier la cnil apres une fuite ?")
    await chat.click("Comment notifier")
    assert chat.text.startswith("<b>Comment notifier une violation à la CNIL</b>")
    assert "téléservice" in chat.text


async def test_forged_and_stale_buttons_expire_without_moving_state(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await chat.click("Oui")
    question = chat.text
    for forged in ["1|f:999:c0", "1|t:nope.nope", "9|t:breach.deadline", "garbage", "1|f:1:c99",
                   "1|s:unknown_flow", "1|f:0:ok", "1|a:tog:nope", "x" * 200]:
        await chat.click_data(forged)
        assert "expiré" in chat.text, forged
    await chat.send("/notifier")
    assert "Reprendre" in " ".join(chat.labels)
    await chat.click("Reprendre")
    assert chat.replies[0].text.split("\n")[-1] in question


async def test_stickers_and_photos_get_a_polite_sentence(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.media("sticker")
    assert "texte" in chat.text


async def test_a_4096_character_message_gets_a_valid_reply(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("sauvegarde " * 372)
    assert chat.replies
    for reply in chat.replies:
        assert html_errors(reply.text) == []


async def test_unknown_command(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/nimportequoi")
    assert "/aide" in chat.text


@pytest.mark.parametrize("command", ["/reload", "/diffuser", "/broadcast", "/diffusions"])
async def test_admin_commands_look_unknown_to_members(service: Vigie, command: str) -> None:
    member = CoreChat(service, user_id=7)
    await member.send(command)
    unknown = CoreChat(service, user_id=8)
    await unknown.send("/nimportequoi")
    assert member.text == unknown.text
    events = await service.stats.events("2000-01-01")
    assert any(name == "admin_refused" for _, name, _ in events)


async def test_language_command(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/langue en")
    await chat.send("/start")
    assert "Must I notify" in chat.labels[0]


async def test_why_explains_the_last_match(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/pourquoi")
    assert "aucune" in chat.text
    await chat.send("faut il un DPO pour un medecin seul")
    await chat.send("/pourquoi")
    assert "score" in chat.text and "DPO" in chat.text
    assert "je vous ai répondu directement" in chat.text
    assert not re.search(r"\b(answer|clarify|fallback)\b", chat.text)
    await chat.send("/why")
    await chat.send("/langue en")
    await chat.send("/why")
    assert "I answered you directly" in chat.text


async def test_forget_erases_session_and_subscription(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/alertes")
    assert await service.subscriptions.get(1001) is not None
    await chat.send("/notifier")
    assert await service.sessions.get(service.key(chat.actor)) is not None
    await chat.send("/oubli")
    assert await service.subscriptions.get(1001) is None
    assert await service.sessions.get(service.key(chat.actor)) is None


async def test_groups_store_nothing_and_refuse_flows(service: Vigie) -> None:
    chat = CoreChat(service, private=False)
    await chat.send("/notifier")
    assert "privée" in chat.text
    assert await service.sessions.get(service.key(chat.actor)) is None


def _ended(flow: Flow, state: FlowState) -> bool:
    return state.stage == "recap" or engine.current(flow, state).type in TERMINAL


def _next_states(flow: Flow, state: FlowState, values: list[str]) -> list[FlowState]:
    node = engine.current(flow, state)
    if node.type == "date":
        return [engine.set_date(flow, state, SAMPLE_DATE)]
    return [engine.choose(flow, state, value) for value in values]


def _final_states(flow: Flow, lang: str) -> Iterator[FlowState]:
    """Where every answer path ends. A score flow's result only lists actions, and it has
    3^11 paths: there, the paths that answer every question alike, and the one that picks
    the longest label everywhere."""
    start = engine.start(flow, NOW.timestamp())
    if not any(node.type == "score" for node in flow.nodes.values()):
        stack = [start]
        while stack:
            state = stack.pop()
            if _ended(flow, state):
                yield state
            else:
                offered = list(engine.offered(flow, engine.current(flow, state)))
                stack += _next_states(flow, state, offered)
        return
    first = list(engine.offered(flow, engine.current(flow, start)))
    for pick in [*first, None]:
        state = start
        while not _ended(flow, state):
            node = engine.current(flow, state)
            offered = list(engine.offered(flow, node)) or [""]
            longest = max(offered, key=lambda v: len(answer_label(flow, node, v, lang)))
            state = _next_states(flow, state, [pick if pick in offered else longest])[0]
        yield state


def _flow_replies(content: Content, flow: Flow, lang: str) -> Iterator[Reply]:
    """Every question and date prompt of `flow`, then each recap and result."""
    for node in flow.nodes.values():
        if node.type not in TERMINAL:
            state = engine.start(flow, NOW.timestamp())
            state.node = node.id
            yield flowchat.show(content, flow, state, lang)
            if node.type == "date":
                state.stage = "await_date"
                yield flowchat.show(content, flow, state, lang)
    for state in _final_states(flow, lang):
        if state.stage == "recap":
            yield flowchat.show(content, flow, state, lang)
        yield from flowchat.finish(content, Session(flow=state), flow, lang, NOW).replies


def _all_replies(content: Content, assistant: Assistant, lang: str) -> Iterator[Reply]:
    for topic in content.answers:
        yield render.answer(content, topic, lang)
    yield render.welcome(content, lang)
    yield render.out_of_scope(content, lang)
    yield render.fallback(content, lang)
    for command in MEMBER_COMMANDS:
        event = Event("command", command.name)
        yield from assistant.handle(Session(), event, Context(NOW, lang)).replies
    for flow in content.flows.values():
        yield flowchat.resume_prompt(content, flow, engine.start(flow), lang)
        yield from _flow_replies(content, flow, lang)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_reply_fits_telegram(content: Content, assistant: Assistant, lang: str) -> None:
    """What Telegram counts: the text left after HTML entities are parsed, in UTF-16 units,
    for each message `send_reply` sends; and every button."""
    count = 0
    checked: set[str] = set()  # many paths end with the same texts
    for reply in _all_replies(content, assistant, lang):
        count += 1
        if reply.text in checked:
            continue
        checked.add(reply.text)
        for chunk in split_message(reply.text, MAX_MESSAGE_LENGTH):
            seen = render_markup(chunk, "HTML")  # raises on HTML Telegram would refuse
            assert 0 < len(seen.encode("utf-16-le")) // 2 <= MAX_MESSAGE_LENGTH, chunk[:80]
        for button in reply.all_buttons():
            assert 0 < len(button.label) <= MAX_BUTTON_LABEL, button.label
            assert 0 < len(button.data.encode()) <= MAX_CALLBACK_DATA_BYTES, button.data
    assert count > 2000  # every answer, command, question, and the recap and verdict per path
