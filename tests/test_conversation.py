"""The core conversation through the service, with real content and real SQLite."""

from __future__ import annotations

import re

import pytest

from bot.core.html import html_errors
from bot.core.limits import MAX_MESSAGE_LENGTH
from bot.service import Vigie
from tests.corechat import CoreChat


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
    assert "Sources:" in chat.text or "Did you mean" in chat.text
    assert any("ncryption" in label for label in chat.labels) or "ncrypt" in chat.text


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
    assert "téléservice" in chat.text.lower() or "ligne" in chat.text


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


async def test_every_reply_fits_telegram(service: Vigie) -> None:
    chat = CoreChat(service)
    for text in ["/start", "/aide", "/confidentialite", "/securite", "/alertes", "bonjour"]:
        await chat.send(text)
        for reply in chat.replies:
            assert html_errors(reply.text) == [], text
            assert all(len(b.data.encode()) <= 64 for b in reply.all_buttons())
    assert MAX_MESSAGE_LENGTH == 4096
