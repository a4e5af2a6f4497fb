"""The legal review of December 2026: each corrected statement stays in the shipped answers.

One case per finding of ../shared/reviews/legal-review-2026-12.md that lives in the answers
(the breach flow's findings are tested with the flow). Each case names what the answer must say
(in both languages) and, where the review found a misleading sentence, what it must no longer say.
docs/legal-choices.md gives the source of each statement.
"""

from __future__ import annotations

import re

import pytest

from bot.core.content import Content

FINDINGS = [
    # (finding, topic, must say in French, must say in English, must no longer say in French)
    ("M1", "gdpr.dpo", "10 000 patients par an", "10,000 patients a year", "pas un seuil officiel"),
    ("M2", "gdpr.dpia", "10 000 patients par an", "10,000 patients a year", None),
    ("M3", "breach.ransomware", "analyse des journaux", "analysis of the logs",
     "aucune exfiltration n'est constatée"),
    ("m1", "breach.notify_when", "la CNIL elle-même vous a informé", "the CNIL itself informed you",
     "ce manquement a été sanctionné"),
    ("m2", "breach.sanctions", "2 500 €", "€2,500", None),
    ("m5", "security.hds_hosting", "2026-209", "2026-209", None),
    ("m6", "security.updates_antivirus", "Windows 10 sans mises à jour étendues",
     "Windows 10 without extended updates", "en attendant, souscrivez"),
    ("m7", "security.remote_access", "redirection de ports sur la box vers un poste",
     "forward ports on your internet box to a computer", "ni de bureau à distance (RDP) exposé"),
    ("m8", "gdpr.patient_rights", "C'est ce délai qui s'applique au dossier médical",
     "the deadline that governs the medical record", None),
    # m9: the command with spaces around it, not the policy URL that ends the same way
    ("m9", "bot.privacy", " /confidentialite ", " /privacy ", None),
    ("m10", "smalltalk.thanks", "S'il y a un risque pour les personnes",
     "If there is a risk to people", "Vous avez 72 h"),
    ("m16", "security.encryption", "ne protège pas un poste allumé",
     "does not protect a running computer", None),
    ("m16", "breach.lost_device", "un simple mot de passe de session Windows ne chiffre rien",
     "a Windows login password alone encrypts nothing", "(clé ou mot de passe non compromis)"),
    ("#12", "security.box_internet", "C'est déjà une violation", "That is already a breach", None),
    ("#12", "security.imaging_pacs", "C'est déjà une violation", "That is already a breach", None),
]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))


@pytest.mark.parametrize(("finding", "topic", "fr", "en", "gone"), FINDINGS,
                         ids=[f"{f[0]}-{f[1]}" for f in FINDINGS])
def test_the_corrected_statement_is_in_both_languages(
    content: Content, finding: str, topic: str, fr: str, en: str, gone: str | None
) -> None:
    answer = content.answers[topic]
    assert fr in _flat(answer.in_lang("fr").text), finding
    assert en in _flat(answer.in_lang("en").text), finding
    if gone is not None:
        assert gone not in _flat(answer.in_lang("fr").text), finding


def test_exposed_data_sends_the_doctor_to_the_breach_flow(content: Content) -> None:
    for topic in ("security.box_internet", "security.imaging_pacs"):
        assert "/notifier" in content.answers[topic].in_lang("fr").text
        assert "/notify" in content.answers[topic].in_lang("en").text


def test_a_fee_question_is_not_sent_to_the_data_protection_mailbox(content: Content) -> None:
    for lang in ("fr", "en"):
        text = content.answers["smalltalk.out_of_scope"].in_lang(lang).text
        assert content.association.contact_email not in text
