"""The documents a member takes away, parsed back from the .docx files Vigie writes.

Breach flow: the CNIL notification draft (in the order of the CNIL's online form),
the register entry and the patient letter, as each verdict calls for them, in French
and English; the self-check: the action plan. Templates are content, so a hostile one
must neither crash the bot nor pass `vigie content check`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.content import Content
from bot.core.drafts.model import parse
from bot.core.drafts.render import render_action_plan, render_documents
from bot.core.flows.dates import PARIS
from bot.core.flows.decide import decide, score
from bot.core.reply import Reply
from bot.core.templates import fill
from bot.documents.docx import to_docx
from tests.docx_support import docx_text, paragraphs
from tests.test_content_check import ROOT, edit, line_of, rejected, root  # noqa: F401
from tests.test_flows import case_named, cli, replay_facts, write_facts  # noqa: F401

BREACH = "breach_notification"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=PARIS)
STOLEN = "Ordinateur portable non chiffré volé"  # notify the CNIL and inform the patients
LETTER = "Courrier d'assurance glissé"  # notify only
RANSOM = "Rançongiciel, sauvegarde restaurée"  # document only
PROCESSOR = "Médecin qui traite des données pour une clinique"  # processor


def files(content: Content, start: str, lang: str = "fr", **facts: str) -> dict[str, str]:
    """The files a case ends with: name -> text parsed back from the .docx."""
    flow = content.flows[BREACH]
    given = {**case_named(start)["facts"], **facts}
    answers = replay_facts(flow, given)
    reply = render_documents(content, decide(flow, answers, NOW), answers, lang, NOW)
    return {d.filename: docx_text(to_docx(d.draft)) for d in reply.documents}


def test_notify_and_inform_gives_the_three_documents(content: Content) -> None:
    found = files(content, STOLEN)
    assert list(found) == [
        "vigie-notification-cnil-20260302.docx",
        "vigie-registre-violations-20260302.docx",
        "vigie-lettre-patients-20260302.docx",
    ]
    notification, register, letter = found.values()
    # Every item of Art. 33(3), in the order of the CNIL's form.
    order = [
        "Le responsable du traitement et le contact (RGPD art. 33(3)(b))",
        "Type de notification",
        "Chronologie",
        "Nature de la violation (art. 33(3)(a))",
        "Données concernées (art. 33(3)(a))",
        "Personnes concernées (art. 33(3)(a))",
        "Conséquences probables pour les personnes (art. 33(3)(c))",
        "Mesures prises ou envisagées (art. 33(3)(d))",
        "Information des personnes concernées (art. 34)",
    ]
    positions = [notification.index(heading) for heading in order]
    assert positions == sorted(positions)
    # The facts answered, the verdict's reasons with their sources, the association.
    assert "Personnes ayant eu ou pu avoir accès : Pirate, voleur ou inconnu" in notification
    assert "Prise de connaissance de la violation : 02/03/2026 à 10 h 00" in notification
    assert "Échéance des 72 heures : 05/03/2026 à 10 h 00" in notification
    assert "Retard (art. 33(1)) : sans objet si vous notifiez avant le 05/03/2026" in notification
    assert "(RGPD art. 34" in notification and "Médecins Connectés" in notification
    assert "rgpd@association.example" in notification
    # What Vigie never asks is left to complete.
    assert "Nombre approximatif de personnes : 50 ou plus (ou tout un fichier), soit environ " \
        "[À COMPLÉTER" in notification
    assert "[À COMPLÉTER : nom, adresse, numéro SIRET ou RPPS]" in notification
    # The register entry: facts, effects, measures, decision with its articles.
    for heading in ("Faits", "Effets", "Mesures correctives", "Décision et justification"):
        assert heading in register.splitlines()
    assert "Motifs, avec leurs articles :" in register and "(RGPD art. 3" in register
    assert "Données les plus sensibles : Santé, NIR, bancaire, mots de passe" in register
    # The letter, in plain French.
    assert "Objet : information sur un incident concernant vos données personnelles" in letter
    assert "Madame, Monsieur," in letter


def test_notify_only_has_no_patient_letter(content: Content) -> None:
    found = files(content, LETTER)
    assert list(found) == [
        "vigie-notification-cnil-20260302.docx",
        "vigie-registre-violations-20260302.docx",
    ]


def test_document_only_gives_the_register_entry_alone(content: Content) -> None:
    found = files(content, RANSOM)
    assert list(found) == ["vigie-registre-violations-20260302.docx"]
    register = found["vigie-registre-violations-20260302.docx"]
    assert "Échéance des 72 heures : —" in register and "Retard éventuel : —" in register


def test_a_processor_gets_the_register_entry_to_pass_on(content: Content) -> None:
    found = files(content, PROCESSOR)
    assert list(found) == ["vigie-registre-violations-20260302.docx"]
    register = found["vigie-registre-violations-20260302.docx"]
    assert "Si vous êtes sous-traitant" in register and "art. 28(3)(f)" in register
    assert "sous-traitant" in register.split("Décision :")[1]


def test_an_overdue_notification_asks_for_the_reasons_of_the_delay(content: Content) -> None:
    found = files(content, STOLEN, aware_at="2026-02-20T09:00:00+01:00")
    notification = found["vigie-notification-cnil-20260302.docx"]
    assert (
        "Retard (art. 33(1)) : échéance des 72 heures dépassée le 23/02/2026 à 09 h 00 ; "
        "motifs du retard, à joindre à la notification : [À COMPLÉTER" in notification
    )
    english = files(content, STOLEN, "en", aware_at="2026-02-20T09:00:00+01:00")
    assert "Delay (Art. 33(1)): 72-hour deadline passed on 23/02/2026 at 09:00" in "".join(
        english.values()
    )


def test_english_members_get_english_files(content: Content) -> None:
    found = files(content, STOLEN, "en")
    assert list(found) == [
        "vigie-cnil-notification-20260302.docx",
        "vigie-breach-register-20260302.docx",
        "vigie-patient-letter-20260302.docx",
    ]
    notification, register, letter = found.values()
    assert "Draft notification of a personal data breach to the CNIL" in notification
    assert "Likely consequences for the people concerned (Art. 33(3)(c))" in notification
    assert "Who had or may have had access: Hacker, thief or unknown person" in notification
    assert "(GDPR Art." in register and "[TO COMPLETE" in register
    assert "Dear Sir or Madam," in letter
    for text in found.values():
        assert "À COMPLÉTER" not in text and "RGPD" not in text


def test_the_files_are_structured_and_mark_what_to_complete(content: Content) -> None:
    flow = content.flows[BREACH]
    answers = replay_facts(flow, case_named(STOLEN)["facts"])
    reply = render_documents(content, decide(flow, answers, NOW), answers, "fr", NOW)
    data = to_docx(reply.documents[0].draft)
    styles = paragraphs(data)
    assert styles[0] == ("Heading 1", "Projet de notification d'une violation de données à la CNIL")
    assert ("Heading 2", "2. Type de notification") in styles
    assert ("Normal", "☐ Notification complète") in styles
    assert any(s == "List Bullet" and "Pirate, voleur" in t for s, t in styles)
    import io

    import docx

    runs = [r for p in docx.Document(io.BytesIO(data)).paragraphs for r in p.runs]
    marked = [r.text for r in runs if r.font.highlight_color is not None]
    assert marked and all(t.startswith("[À COMPLÉTER") for t in marked)
    # The message says what each file is for.
    assert "le brouillon de notification à la CNIL" in reply.text
    assert "vigie-lettre-patients-20260302.docx" in reply.text


# -- the self-check's action plan ----------------------------------------------------------


def plan(content: Content, answer: str, lang: str = "fr") -> tuple[Reply, str]:
    flow = content.flows["security_checkup"]
    answers = {n.fact: answer for n in flow.nodes.values() if n.fact}
    reply = render_action_plan(content, score(flow, answers), lang, NOW)
    assert reply is not None and len(reply.documents) == 1
    return reply, docx_text(to_docx(reply.documents[0].draft))


def test_the_action_plan_has_each_action_with_why_how_a_box_and_references(
    content: Content,
) -> None:
    reply, text = plan(content, "no")
    assert reply.documents[0].filename == "vigie-plan-actions-securite-20260302.docx"
    flow = content.flows["security_checkup"]
    actions = score(flow, {n.fact: "no" for n in flow.nodes.values() if n.fact}).actions
    boxes = [line for line in text.splitlines() if line.startswith("☐ À faire :")]
    assert len(boxes) == len(actions)
    # Most urgent first: the boxes follow the score's order.
    assert boxes[0] == f"☐ À faire : {actions[0].check.action('fr')}"
    assert text.count("Pourquoi :") == len(actions)
    assert text.count("Références :") == len(actions)
    assert "Guide de la sécurité des données personnelles" in text and "ANS" in text
    assert "Plan d'actions sécurité du cabinet" in text and "0 %" in text


def test_the_action_plan_in_english_and_when_all_is_done(content: Content) -> None:
    _, english = plan(content, "unknown", "en")
    assert "To do:" in english and "Why:" in english and "(check with your IT provider)" in english
    assert "Pourquoi" not in english
    _, perfect = plan(content, "yes")
    assert content.ui.get("score.perfect", "fr") in perfect and "☐" not in perfect


# -- the command line ------------------------------------------------------------------------


def test_flow_run_out_writes_the_same_files(cli: Any, tmp_path: Path) -> None:  # noqa: F811
    facts = write_facts(tmp_path, case_named(STOLEN)["facts"])
    out = tmp_path / "documents"
    code, printed, err = cli(
        "flow", "run", BREACH, "--facts", facts, "--now", "2026-03-02T12:00:00+01:00",
        "--out", str(out),
    )
    assert code == 0, err
    written = sorted(p.name for p in out.iterdir())
    assert written == [
        "vigie-lettre-patients-20260302.docx",
        "vigie-notification-cnil-20260302.docx",
        "vigie-registre-violations-20260302.docx",
    ]
    for name in written:
        assert str(out / name) in printed
    assert "Pirate, voleur ou inconnu" in docx_text((out / written[1]).read_bytes())
    # With --json, the same files, and their paths in the JSON.
    code, printed, err = cli(
        "flow", "run", BREACH, "--facts", facts, "--now", "2026-03-02T12:00:00+01:00",
        "--out", str(tmp_path / "json"), "--json",
    )
    assert code == 0, err
    assert json.loads(printed)["documents"] == [
        str(tmp_path / "json" / name) for name in [written[1], written[2], written[0]]
    ]


def test_vigie_chat_writes_the_action_plan_and_prints_its_path(tmp_path: Path) -> None:
    script = "/securite\n" + "2\n" * 11 + "1\n"  # "Non" to every question, then the result
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--out", str(tmp_path / "out")],
        input=script, text=True, capture_output=True, timeout=60, cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PTB_TIMEDELTA": "true",
             "VIGIE_SEMANTIC": "off"},
    )
    assert result.returncode == 0, result.stderr
    path = tmp_path / "out" / f"vigie-plan-actions-securite-{datetime.now(PARIS):%Y%m%d}.docx"
    assert f"[document : {path}]" in result.stdout
    assert "☐ À faire :" in docx_text(path.read_bytes())


def test_the_console_says_reminders_are_for_telegram(tmp_path: Path) -> None:
    """`vigie chat` shows the verdict's offer, but has no loop to send reminders."""
    script = (
        "/notifier\n1\n1\n1\n2\n2\n4\n2\n2\n3\n1\n1\n1\n"  # to a "notify" verdict, today
        "1\n"  # ⏰ Me rappeler avant l'échéance
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--out", str(tmp_path)],
        input=script, text=True, capture_output=True, timeout=60, cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PTB_TIMEDELTA": "true",
             "VIGIE_SEMANTIC": "off"},
    )
    assert result.returncode == 0, result.stderr
    assert "[1] ⏰ Me rappeler avant l'échéance" in result.stdout
    assert "ne sont envoyés que dans Telegram" in result.stdout
    assert "je vous rappellerai" not in result.stdout


# -- hostile templates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    ["{today:>999999999}", "{today!r}", "{0}", "{today.year}", "{x[0]}", "{", "}", "{{}}", "{}"],
)
def test_a_hostile_template_never_crashes(template: str) -> None:
    filled = fill(f"# Titre {template}\n- {template}", {"today": "02/03/2026"})
    assert parse(filled)[0].kind == "title"


def test_content_check_rejects_format_specs_in_templates_with_file_and_line(root: Path) -> None:  # noqa: F811
    rel = "content/flows/breach_notification.yaml"
    edit(root, rel, "- Retard (art. 33(1)) : {delay}", "- Échéance : {deadline:>99999999}")
    line = line_of(root, rel, "{deadline:>99999999}")
    problems = rejected(root)
    found = [p for p in problems if "{deadline:>99999999}" in p.message]
    template = line_of(root, rel, "  notification:\n    fr: |") + 1  # the French template
    assert len(found) == 1 and template < line and found[0].line == template, problems
    assert found[0].path.endswith("breach_notification.yaml")


def test_content_check_rejects_an_unknown_document(root: Path) -> None:  # noqa: F811
    rel = "content/flows/security_checkup.yaml"
    edit(root, rel, "  action_plan:\n", "  plan_b:\n")
    assert any("document inconnu « plan_b »" in p.message for p in rejected(root))
