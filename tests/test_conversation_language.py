"""One language per exchange, and numbers that are not buttons (issue #11, point 6).

Each test is a short conversation with the real content and the real service.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from bot.adapters.console import run_console
from bot.core.assistant import Assistant
from bot.core.content import OUT_OF_SCOPE, Intent
from bot.core.domain import DomainVocabulary
from bot.core.events import Context, Event, Unmatched
from bot.core.matching.matcher import Matcher
from bot.core.session import Session
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
    # ("et combien de temps pour prévenir les patients ?" sits between the deadline and
    # informing patients: with the semantic signal it is asked "Vouliez-vous dire…", no menu.)
    await doctor.send("et faut-il prévenir les patients concernés par la fuite ?")
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


# -- in the domain but not covered, versus out of scope --------------------------------------


def test_the_domain_is_learnt_from_the_content() -> None:
    intents = {
        "gdpr.retention": Intent("gdpr.retention", {"fr": (
            "combien de temps garder les dossiers patients",
            "durée de conservation des dossiers patients",
            "archives des dossiers patients papier",
        )}),
        OUT_OF_SCOPE: Intent(OUT_OF_SCOPE, {"fr": ("la météo des archives demain",)}),
    }
    domain = DomainVocabulary.of(intents)
    assert domain.speaks_of("nos dossiers patients dans le cloud de la mairie ?")
    assert not domain.speaks_of("la météo de demain pour les patients")  # one term only
    assert not domain.speaks_of("archives et patients")  # "archives": out-of-scope word too
    assert not domain.speaks_of("quel temps fera-t-il ?")


async def test_a_data_question_without_a_sheet_is_not_called_out_of_scope(
    service: Vigie, lexical_matcher: Matcher
) -> None:
    question = "faut-il déclarer à la cnil le fichier des donneurs de sang du cabinet ?"
    # With the semantic signal, such a question is asked "Vouliez-vous dire…" with the
    # nearest sheets (here the CNIL formalities); never called out of scope.
    member = CoreChat(service, user_id=1003)
    await member.send(question)
    assert "Vouliez-vous dire" in member.text and "Je ne traite que" not in member.text
    # Matching by words alone falls back: the reply says there is no sheet yet.
    service.assistant = Assistant(service.content, lexical_matcher)
    doctor = CoreChat(service)
    await doctor.send(question)
    assert "pas encore de fiche" in doctor.text
    assert "Je ne traite que" not in doctor.text
    await doctor.send("quel temps fera-t-il demain à Lyon ?")
    assert "Je ne traite que la protection des données" in doctor.text
    assert "pas encore de fiche" not in doctor.text


# -- patient data typed by mistake -----------------------------------------------------------


async def test_patient_data_typed_by_mistake_is_flagged_and_the_question_answered(
    service: Vigie,
) -> None:
    doctor = CoreChat(service)
    replies = await doctor.send(
        "Mme Zorglub née le 12/03/1980, NIR 2 80 03 75 123 456 78, a reçu le compte rendu "
        "d'un autre patient par erreur, que faire ?"
    )
    assert "semble contenir des données de patient" in replies[0].text
    assert "Je ne l'ai pas conservé" in replies[0].text
    assert len(replies) >= 2 and "semble contenir" not in replies[1].text  # then the answer
    assert "Zorglub" not in doctor.text and "12/03/1980" not in doctor.text
    stored = await service.sessions.get(service.key(doctor.actor))
    assert stored is not None and "Zorglub" not in stored.to_json()


async def test_a_question_without_patient_data_gets_no_warning(service: Vigie) -> None:
    doctor = CoreChat(service)
    await doctor.send("le Dr Martin a envoyé un compte rendu au mauvais patient, que faire ?")
    assert "données de patient" not in doctor.replies[0].text


def test_a_message_with_patient_data_never_reaches_the_unmatched_log(
    assistant: Assistant,
) -> None:
    ctx = Context(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), "fr")
    typed = "M. Zorglub Quintessence né le 01/02/1960 xqzw plop"
    outcome = assistant.handle(Session(), Event("text", typed), ctx)
    assert "semble contenir" in outcome.replies[0].text
    assert not any(isinstance(effect, Unmatched) for effect in outcome.effects)
    plain = assistant.handle(Session(), Event("text", "xqzw plop blurb"), ctx)
    assert any(isinstance(effect, Unmatched) for effect in plain.effects)  # the control
