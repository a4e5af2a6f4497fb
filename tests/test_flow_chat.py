"""The guided flows in conversation, through the service, with real content and real SQLite."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from bot.core.assistant import Assistant
from bot.core.content import Content
from bot.core.flows.decide import score
from bot.core.flows.engine import FlowState
from bot.core.matching.matcher import Matcher
from bot.service import FloodGuard, Vigie
from bot.storage.database import Database
from bot.storage.stores import SqliteSessions, SqliteStats, SqliteSubscriptions
from tests.conftest import SECRET, FixedClock
from tests.corechat import CoreChat

EXPIRED = "Ce bouton a expiré"
BREACH_TITLE = "Dois-je notifier la CNIL ?"


def progress(chat: CoreChat) -> tuple[int, int]:
    found = re.search(r"Question (\d+) sur ~(\d+)", chat.text)
    assert found, chat.text
    return int(found.group(1)), int(found.group(2))


async def stored(chat: CoreChat) -> FlowState | None:
    session = await chat.service.sessions.get(chat.service.key(chat.actor))
    assert session is not None
    return session.flow


async def answers(chat: CoreChat) -> dict[str, str]:
    state = await stored(chat)
    assert state is not None
    return state.answers


async def click_all(chat: CoreChat, *labels: str) -> None:
    for label in labels:
        await chat.click(label)


# The answers of a stolen unencrypted laptop with health data: notify and inform.
STOLEN_LAPTOP = [
    ("Oui", "personal_data", "yes"),
    ("Mes données", "role", "controller"),
    ("Je ne peux pas l'exclure", "confidentiality", "unknown"),
    ("Non", "integrity", "no"),
    ("Oui", "availability", "yes"),
    ("Pirate, voleur ou inconnu", "recipient", "malicious"),
    ("Non ou je ne sais pas", "encrypted", "no"),
    ("Non ou pas sûr", "contained", "no"),
    ("Oui, en moins de 24 h", "restore", "fast"),
    ("Non", "care_impact", "no"),
    ("Santé, NIR", "data_category", "sensitive"),
    ("50 ou plus", "scale", "many"),
]
# Ransomware, restored after two days, contact details only: notify the CNIL, up to the date.
UP_TO_THE_DATE = [
    "Oui",
    "Mes données",
    "Non, c'est exclu",
    "Non",
    "Oui",
    "Après plus d'un jour, ou pas encore",
    "Non",
    "Coordonnées simples",
    "Moins de 50",
]


async def test_notifier_one_question_at_a_time_to_the_verdict(
    service: Vigie, content: Content
) -> None:
    flow = content.flows["breach_notification"]
    chat = CoreChat(service)
    await chat.send("/notifier")
    assert BREACH_TITLE in chat.replies[0].text
    assert progress(chat)[0] == 1
    assert flow.nodes["personal_data"].text("fr").split(" ")[0] in chat.replies[-1].text
    assert chat.labels == ["Oui", "Non, aucune donnée personnelle", "?", "✖ Annuler"]

    # "?" shows the help and leaves the step as it was: the question's buttons still work.
    question = chat.replies
    before = await stored(chat)
    await chat.click("?")
    assert "statistiques réellement anonymes" in chat.text
    assert "Question" not in chat.text
    assert await stored(chat) == before
    chat.replies = question

    for i, (label, fact, value) in enumerate(STOLEN_LAPTOP):
        assert progress(chat)[0] == i + 1
        await chat.click(label)
        assert (await answers(chat))[fact] == value, label
        if fact == "confidentiality":
            # "↩ Retour" undoes the last answer only, and asks it again.
            await chat.click("↩ Retour")
            assert progress(chat)[0] == 3
            assert "voir, copier ou recevoir" in chat.text
            assert await answers(chat) == {"personal_data": "yes", "role": "controller"}
            await chat.click(label)
            assert progress(chat)[0] == 4
    assert progress(chat)[0] == len(STOLEN_LAPTOP) + 1
    await chat.click("Hier")

    # The recap: every answer, a ✏️ button for each, then the result.
    assert "Récapitulatif" in chat.text
    assert chat.text.count("→ <b>") == len(STOLEN_LAPTOP) + 1
    assert "→ <b>Pirate, voleur ou inconnu</b>" in chat.text
    assert "→ <b>01/03/2026 (heure non précisée)</b>" in chat.text  # yesterday, no time
    edits = [label for label in chat.labels if label.startswith("✏️")]
    assert edits == [f"✏️ {n}" for n in range(1, len(STOLEN_LAPTOP) + 2)]
    assert chat.labels[0] == "✅ Voir le résultat"

    await chat.click("✅ Voir le résultat")
    verdict = chat.replies[0].text
    assert "Risque élevé" in verdict
    assert "✅ Notifier la CNIL" in verdict
    assert "✅ Informer les personnes concernées (patients)" in verdict
    assert "✅ Inscrire la violation au registre des violations" in verdict
    assert "responsable du traitement" not in verdict.split("Pourquoi")[0]
    # Aware yesterday (1 March, midnight Paris), now 2 March 10:30 Paris.
    assert (
        "Date limite pour notifier la CNIL : 04/03/2026 à 00 h 00</b> (il reste 37 h 30)" in verdict
    )
    documents = chat.replies[1].documents
    assert [d.filename for d in documents] == [
        "vigie-notification-cnil-20260302.docx",
        "vigie-registre-violations-20260302.docx",
        "vigie-lettre-patients-20260302.docx",
    ]
    body = documents[0].draft.plain_text()
    assert body.startswith("# Projet de notification") and "[À COMPLÉTER" in body
    assert "Objet : information sur un incident" in documents[2].draft.plain_text()

    # The answers are gone; only an anonymous counter remains.
    assert await stored(chat) is None
    session = await service.sessions.get(service.key(chat.actor))
    assert session is not None and "malicious" not in session.to_json()
    events = await service.stats.events("2000-01-01")
    assert ("2026-03-02", "verdict:breach_notification:notify_and_inform", 1) in events


async def test_editing_answer_2_from_the_recap_asks_it_again(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, "Oui", "Pour un autre (sous-traitant)")
    assert "Récapitulatif" in chat.text
    assert [label for label in chat.labels if label.startswith("✏️")] == ["✏️ 1", "✏️ 2"]
    await chat.click("✏️ 2")
    assert "Ces données sont-elles celles de votre cabinet" in chat.text
    assert progress(chat)[0] == 2
    assert await answers(chat) == {"personal_data": "yes"}
    await chat.click("Mes données")
    assert progress(chat)[0] == 3
    assert await answers(chat) == {"personal_data": "yes", "role": "controller"}


async def test_the_processor_verdict_says_to_tell_the_controller(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, "Oui", "Pour un autre (sous-traitant)", "✅ Voir le résultat")
    verdict = chat.replies[0].text
    assert "✅ Prévenir sans délai le responsable du traitement" in verdict
    assert "❌ Pas de notification à la CNIL requise" in verdict
    assert "❌ Pas d'obligation d'informer les patients" in verdict
    assert "Date limite" not in verdict
    events = await service.stats.events("2000-01-01")
    assert ("2026-03-02", "verdict:breach_notification:processor", 1) in events


async def test_no_personal_data_has_no_draft(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, "Non, aucune donnée personnelle", "✅ Voir le résultat")
    assert "❌ Pas d'inscription au registre des violations requise" in chat.replies[0].text
    assert chat.replies[1].documents == ()
    assert "Aucun document" in chat.replies[1].text


# -- free text during a flow ----------------------------------------------------------------


async def test_typed_answers_pick_the_right_choice(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await chat.send("ouais")
    assert await answers(chat) == {"personal_data": "yes"}
    assert progress(chat)[0] == 2
    await chat.click("Mes données")
    await chat.send("je sais pas")  # the question offers "Je ne peux pas l'exclure"
    assert (await answers(chat))["confidentiality"] == "unknown"
    await chat.send("non")
    assert (await answers(chat))["integrity"] == "no"
    await chat.send("Oui")
    await chat.click("Pirate, voleur ou inconnu")
    await chat.send("je sais pas")  # "Non ou je ne sais pas"
    assert (await answers(chat))["encrypted"] == "no"
    assert progress(chat)[0] == 8


async def test_an_unrelated_question_is_answered_and_the_flow_resumes(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, "Oui", "Mes données")
    before = await stored(chat)
    await chat.send("j'ai combien de temps pour notifier la cnil apres une fuite ?")
    assert "72 heures" in chat.text
    assert "est en pause" in chat.text
    assert chat.labels[-1] == "▶ Reprendre"
    assert await answers(chat) == {"personal_data": "yes", "role": "controller"}
    await chat.click("▶ Reprendre")
    assert progress(chat)[0] == 3
    assert "voir, copier ou recevoir" in chat.text
    after = await stored(chat)
    assert after is not None and before is not None
    assert (after.node, after.answers, after.steps) == (before.node, before.answers, before.steps)
    await chat.click("Oui")  # the resumed question's buttons work
    assert (await answers(chat))["confidentiality"] == "yes"


# -- the date question ----------------------------------------------------------------------


async def test_a_typed_date_is_checked_then_accepted(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, *UP_TO_THE_DATE)
    assert chat.labels[:5] == [
        "Aujourd'hui",
        "Hier",
        "Avant-hier",
        "Il y a 3 jours ou plus",
        "Autre date…",
    ]
    await chat.click("Autre date…")
    assert "JJ/MM/AAAA HH:MM" in chat.text and chat.labels == ["↩ Retour"]
    await chat.send("la semaine dernière")
    assert "Je n'ai pas compris cette date" in chat.text
    assert "par exemple 03/02/2026 14:30" in chat.text
    await chat.send("01/01/2099")
    assert "Cette date est dans le futur" in chat.text
    assert "aware_at" not in await answers(chat)
    await chat.send("28/02/2026 10:00")
    assert "Récapitulatif" in chat.text and "→ <b>28/02/2026 à 10 h 00</b>" in chat.text
    assert (await answers(chat))["aware_at"] == "2026-02-28T10:00:00+01:00"
    await chat.click("✅ Voir le résultat")
    assert "✅ Notifier la CNIL" in chat.text
    assert "03/03/2026 à 10 h 00</b> (il reste 23 h 30)" in chat.text


async def test_back_from_the_date_prompt_shows_the_date_buttons(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, *UP_TO_THE_DATE, "Autre date…", "↩ Retour")
    assert "Aujourd'hui" in chat.labels
    assert "aware_at" not in await answers(chat)


async def test_today_counts_from_midnight_in_paris(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, *UP_TO_THE_DATE, "Aujourd'hui")
    assert (await answers(chat))["aware_at"] == "2026-03-02"  # the day, not an invented 00:00
    await chat.click("✅ Voir le résultat")
    # Now is 2 March 10:30 Paris: 72 h from midnight end on 5 March at midnight.
    assert "05/03/2026 à 00 h 00</b> (il reste 61 h 30)" in chat.text
    assert "compté depuis minuit de ce jour" in chat.text
    draft = chat.replies[1].documents[0].draft.plain_text()
    assert "02/03/2026 (heure non précisée)" in draft
    assert "00 h 00" not in draft.split("72")[0]


async def test_yesterday_at_six_pm_is_understood_and_counted_from_that_hour(
    service: Vigie,
) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, *UP_TO_THE_DATE, "Autre date…")
    await chat.send("hier 18h")
    assert (await answers(chat))["aware_at"] == "2026-03-01T18:00:00+01:00"
    assert "→ <b>01/03/2026 à 18 h 00</b>" in chat.text
    await chat.click("✅ Voir le résultat")
    assert "04/03/2026 à 18 h 00</b>" in chat.text
    assert "compté depuis minuit" not in chat.text


async def test_three_days_ago_is_already_overdue(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, *UP_TO_THE_DATE, "Il y a 3 jours ou plus", "✅ Voir le résultat")
    assert "Le délai de 72 heures est dépassé (02/03/2026 à 00 h 00)" in chat.text


# -- time, restarts and cancelling ----------------------------------------------------------


async def test_after_24_hours_idle_a_press_asks_to_resume_or_restart(
    service: Vigie, clock: FixedClock
) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await chat.click("Oui")
    role_question = chat.replies
    clock.now += timedelta(hours=25)
    await chat.click("Mes données")
    assert f"Vous aviez commencé « {BREACH_TITLE} »" in chat.text
    assert chat.labels == ["▶ Reprendre", "🔄 Recommencer"]
    assert await answers(chat) == {"personal_data": "yes"}
    resume_prompt = chat.replies

    await chat.click("▶ Reprendre")
    assert progress(chat)[0] == 2 and await answers(chat) == {"personal_data": "yes"}
    resumed = chat.replies
    for old in [role_question, resume_prompt]:  # the buttons shown before have expired
        chat.replies = old
        await chat.click("Mes données" if old is role_question else "🔄 Recommencer")
        assert EXPIRED in chat.text
        assert await answers(chat) == {"personal_data": "yes"}

    chat.replies = resumed
    clock.now += timedelta(hours=25)
    await chat.click("?")
    assert chat.labels == ["▶ Reprendre", "🔄 Recommencer"]
    await chat.click("🔄 Recommencer")
    assert BREACH_TITLE in chat.replies[0].text
    assert progress(chat)[0] == 1
    assert await answers(chat) == {}


async def test_a_restart_of_the_bot_continues_at_the_same_step(
    service: Vigie, assistant: Assistant, matcher: Matcher, clock: FixedClock, tmp_path: Path
) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, "Oui", "Mes données")
    shown = chat.replies
    # The process dies; a new one opens the same database file with the same secret.
    async with Database(tmp_path / "vigie.db") as db:
        reborn = Vigie(
            Assistant(assistant.content, matcher),
            secret=SECRET,
            sessions=SqliteSessions(db),
            subscriptions=SqliteSubscriptions(db),
            stats=SqliteStats(db),
            clock=clock,
            flood=FloodGuard(limit=1000),
        )
        again = CoreChat(reborn)
        again.replies = shown
        await again.click("Oui")
        assert progress(again)[0] == 4
        assert await answers(again) == {
            "personal_data": "yes",
            "role": "controller",
            "confidentiality": "yes",
        }


async def test_cancel_erases_the_answers(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await click_all(chat, "Oui", "Mes données")
    question = chat.replies
    await chat.click("✖ Annuler")
    assert "Parcours annulé : vos réponses sont effacées." in chat.text
    assert await stored(chat) is None
    chat.replies = question
    await chat.click("Oui")
    assert EXPIRED in chat.text and await stored(chat) is None
    await chat.send("/notifier")
    assert progress(chat)[0] == 1 and "Reprendre" not in chat.labels


async def test_a_button_of_an_earlier_run_or_flow_expires(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    first_question = chat.replies
    await click_all(chat, "Non, aucune donnée personnelle", "✅ Voir le résultat")
    await chat.send("/securite")  # another flow, started with the same clock
    before = await stored(chat)
    chat.replies = first_question
    await chat.click("Oui")  # the breach flow's first "Oui"
    assert EXPIRED in chat.text
    assert await stored(chat) == before
    await chat.send("/notifier")  # a new run of the same flow
    chat.replies = first_question
    await chat.click("Oui")
    assert EXPIRED in chat.text


# -- the security self-check ----------------------------------------------------------------


async def test_the_security_self_check_ends_in_a_score_and_keeps_nothing(
    service: Vigie, content: Content
) -> None:
    flow = content.flows["security_checkup"]
    questions = [n for n in flow.nodes.values() if n.check is not None]
    chat = CoreChat(service)
    await chat.send("/securite")
    assert "Auto-diagnostic sécurité du cabinet" in chat.replies[0].text
    picks = ["Oui", "Non", "Je ne sais pas"]
    for i in range(len(questions)):
        assert progress(chat)[0] == i + 1
        assert chat.labels[:3] == picks
        await chat.click(picks[i % 3])
    assert "Récapitulatif" in chat.text
    await chat.click("✅ Voir le résultat")

    weights = [n.check.weight for n in questions if n.check]
    expected = round(100 * sum(weights[::3]) / sum(weights))
    assert f"Autodiagnostic : {expected} %" in chat.text
    assert "(à vérifier avec votre prestataire)" in chat.text  # the "Je ne sais pas" answers
    # A button for each topic of the most urgent actions, then "notify?" and the menu.
    given = {str(n.fact): ["yes", "no", "unknown"][i % 3] for i, n in enumerate(questions)}
    urgent = list(dict.fromkeys(a.check.topic for a in score(flow, given).actions))[:6]
    titles = [content.title(t, "fr") for t in urgent if t in content.answers]
    assert len(titles) >= 3 and chat.labels[: len(titles)] == titles
    assert "🚨 Dois-je notifier la CNIL ?" in chat.labels
    # ... and the action plan, as a file, most urgent first.
    plan = chat.replies[-1].documents[0]
    assert plan.filename == "vigie-plan-actions-securite-20260302.docx"
    boxes = [b.text for b in plan.draft.blocks if b.kind == "checkbox"]
    assert len(boxes) == len(score(flow, given).actions)

    assert await stored(chat) is None
    session = await service.sessions.get(service.key(chat.actor))
    assert session is not None
    assert not any(n.fact and n.fact in session.to_json() for n in questions)
    bucket = "high" if expected >= 80 else "medium" if expected >= 50 else "low"
    events = await service.stats.events("2000-01-01")
    assert ("2026-03-02", f"score:security_checkup:{bucket}", 1) in events


async def test_forged_ops_with_the_current_step_number_expire(service: Vigie) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    await chat.click("Oui")
    before = await stored(chat)
    assert before is not None
    for op in ["c01", "c²", "e٣", "c9", "ok", "e0", "zz", "c"]:
        await chat.click_data(f"1|f:{before.seq}:{op}")
        assert EXPIRED in chat.text, op
        assert await stored(chat) == before, op
