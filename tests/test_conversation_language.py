"""One language per exchange, and numbers that are not buttons (issue #11, point 6).

Each test is a short conversation with the real content and the real service.
"""

from __future__ import annotations

import io

from bot.adapters.console import run_console
from bot.service import Vigie
from tests.corechat import CoreChat


async def test_an_english_question_is_answered_in_english_after_the_tap(service: Vigie) -> None:
    doctor = CoreChat(service, lang="fr")  # a phone set to French
    await doctor.send("do I need to encrypt the laptop I use for home visits?")
    if "Did you mean" in doctor.text:  # a menu today; a direct answer once matching improves
        await doctor.click("Data encryption")
    assert "Data encryption" in doctor.text and "Chiffrement" not in doctor.text
    await doctor.click("☰ Menu")
    assert "Must I notify" in doctor.labels[0]


async def test_a_french_question_brings_the_exchange_back_to_french(service: Vigie) -> None:
    doctor = CoreChat(service, lang="en")
    await doctor.send("how long do I have to notify a breach?")
    assert "72" in doctor.text and "heures" not in doctor.text
    await doctor.send("et combien de temps pour prévenir les patients ?")
    await doctor.click("☰ Menu")
    assert "Dois-je notifier" in doctor.labels[0]


async def test_the_english_alias_starts_the_flow_in_english(service: Vigie) -> None:
    doctor = CoreChat(service, lang="fr")
    await doctor.send("/notify")
    assert "Must I notify the CNIL?" in doctor.text
    await doctor.click("Yes")
    assert "Is this your practice's data" in doctor.text  # the flow goes on in English
    secretary = CoreChat(service, user_id=1002, lang="en")
    await secretary.send("/notifier")
    assert "Dois-je notifier la CNIL" in secretary.text


async def test_language_chosen_with_langue_holds_until_the_member_speaks_another(
    service: Vigie,
) -> None:
    doctor = CoreChat(service, lang="fr")
    await doctor.send("/langue en")
    await doctor.send("/start")
    assert "Must I notify" in doctor.labels[0]
    await doctor.send("/aide")
    assert "Vigie" in doctor.text and "Dois-je" not in doctor.text


async def test_a_number_that_is_no_button_is_said_so(service: Vigie) -> None:
    doctor = CoreChat(service)
    await doctor.send("/start")
    replies = await doctor.send("15")
    assert len(replies) == 1
    assert "« 15 » ne correspond à aucun bouton" in doctor.text
    assert "conservation" not in doctor.text.lower()  # not the retention answer


async def test_the_console_names_the_valid_numbers(service: Vigie) -> None:
    out = io.StringIO()
    typed = io.StringIO("/start\n9\n1\n")
    await run_console(service, stdin=typed, stdout=out)
    screen = out.getvalue()
    assert "Tapez un numéro de 1 à" in screen
    assert screen.index("Tapez un numéro") < screen.index("Question 1")  # then 1 still works


# -- typed answers inside a guided flow ------------------------------------------------------


async def answers_of(doctor: CoreChat) -> dict[str, str]:
    session = await doctor.service.sessions.get(doctor.service.key(doctor.actor))
    assert session is not None and session.flow is not None
    return session.flow.answers


async def test_answers_typed_in_the_doctors_words_pick_the_button(service: Vigie) -> None:
    doctor = CoreChat(service)
    await doctor.send("/notifier")
    await doctor.send("oui")
    await doctor.send("mes données")
    assert (await answers_of(doctor))["role"] == "controller"
    await doctor.send("oui")  # seen or copied
    await doctor.send("non")  # integrity
    await doctor.send("non")  # availability
    await doctor.send("un confrère médecin")
    assert (await answers_of(doctor))["recipient"] == "trusted"
    await doctor.click("↩ Retour")
    await doctor.send("un voleur")
    assert (await answers_of(doctor))["recipient"] == "malicious"
    await doctor.send("oui bitlocker")
    assert (await answers_of(doctor))["encrypted"] == "yes"
    await doctor.send("non pas récupéré")
    assert (await answers_of(doctor))["contained"] == "no"
    await doctor.send("santé")
    assert (await answers_of(doctor))["data_category"] == "sensitive"
    await doctor.send("quelques patients")
    assert (await answers_of(doctor))["scale"] == "few"
    assert "Quand avez-vous su" in doctor.text


async def test_text_that_answers_nothing_keeps_the_member_in_the_flow(service: Vigie) -> None:
    doctor = CoreChat(service)
    await doctor.send("/notifier")
    await doctor.send("oui")
    await doctor.send("mes données")
    before = await answers_of(doctor)
    replies = await doctor.send("bof")
    assert "touchez un des boutons" in replies[0].text
    assert "voir, copier ou recevoir" in replies[-1].text  # the same question again
    assert "Je ne peux pas l'exclure" in doctor.labels
    assert await answers_of(doctor) == before


async def test_a_clear_new_question_leaves_the_flow_which_can_be_resumed(service: Vigie) -> None:
    doctor = CoreChat(service)
    await doctor.send("/notifier")
    await doctor.send("oui")
    await doctor.send("combien de temps pour notifier la cnil ?")
    assert "72" in doctor.replies[0].text
    assert "est en pause" in doctor.text
    await doctor.click("▶ Reprendre")
    assert "Ces données sont-elles celles de votre cabinet" in doctor.text
