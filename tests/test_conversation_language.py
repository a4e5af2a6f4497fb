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
