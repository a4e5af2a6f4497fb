"""Personal data in what members type: redacted before the optional unmatched log, and
recognised so the conversation can warn (security review 2026-12, M6).

Every form the review found passing through `redact()` unchanged is here, with
what it must become; the patterns' cost is linear, so a long message cannot
stall the event loop.
"""

from __future__ import annotations

import time

import pytest

from bot.core import patient_data
from bot.core.patient_data import looks_like_patient_data, redact
from bot.privacy import redact as privacy_redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NIR 1-85-05-78-006-084-36", "NIR [nir]"),
        ("NIR 1.85.05.78.006.084.36", "NIR [nir]"),
        ("NIR 2 85 05 2A 006 084", "NIR [nir]"),
        ("née le 1980-03-12", "née le [date]"),
        ("patient né en 1980, 12/3/80", "patient [date de naissance], [date]"),
        ("date de naissance 12 mars 1980", "[date de naissance]"),
        ("né le 1er janvier 75 à Lyon", "[date de naissance] à Lyon"),
        ("vu le 3 mai 2024", "vu le [date]"),
        ("jean.dupont@gmail", "[email]"),
        ("Dr.Dupont a appelé", "[nom] a appelé"),
        ("M.Dupont a appelé", "[nom] a appelé"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189", "IBAN [iban]"),
        ("IBAN FR7630006000011234567890189", "IBAN [iban]"),
        ("BIC BNPAFRPPXXX", "[bic]"),
        ("virement sur AGRIFRPP882", "virement sur [bic]"),
        ("+33 (0)6 12 34 56 78", "[téléphone]"),
        ("0033 6 12 34 56 78", "[téléphone]"),
        ("IPP 0012-3456", "[ipp]"),
        ("IPP n° 123", "[ipp]"),
        ("dossier 12 345 678", "dossier [numéro]"),
        ("dossier 0012-3456", "dossier [numéro]"),
        ("réf 12/34/5", "réf [numéro]"),
    ],
)
def test_each_form_the_review_found_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "question",
    [
        "combien de temps pour notifier la CNIL après un vol d'ordinateur ?",
        "I'm not sure it's a breach, can you help me?",
        "10 m de câble réseau, faut-il un switch ?",
        "le délai de 72 heures court depuis quand ?",
        "article 33 du RGPD, c'est quoi ?",
    ],
)
def test_ordinary_questions_are_kept(question: str) -> None:
    assert redact(question) == question
    assert not looks_like_patient_data(question)


@pytest.mark.parametrize(
    "text",
    [
        "mon patient M. Dupont a perdu sa carte",
        "Mme de la Fontaine a appelé",
        "NIR 1-85-05-78-006-084-36",
        "le patient 2850578006084 a appelé",
        "IPP 0012-3456",
        "né le 12/03/1980",
        "date de naissance : 12 mars 1980",
        "née le 1980-03-12",
    ],
)
def test_patient_data_is_recognised(text: str) -> None:
    assert looks_like_patient_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "le docteur est en congé, qui déclare ?",  # the practice's own doctor
        "Dr House a perdu son ordinateur portable",
        "un monsieur au guichet veut le dossier de sa femme",
        "un patient né en 2010, combien de temps garder son dossier ?",  # a year alone
        "écrivez à contact@cabinet.fr",
        "appelez le 06 12 34 56 78",
        "amende de 20 000 euros ?",
    ],
)
def test_what_does_not_identify_a_patient(text: str) -> None:
    assert not looks_like_patient_data(text)


def test_the_storage_side_uses_the_same_functions() -> None:
    assert privacy_redact.redact is redact
    assert privacy_redact.looks_like_patient_data is looks_like_patient_data


def test_input_is_capped() -> None:
    text = "question " * 10_000 + "M. Dupont"
    assert len(redact(text)) <= patient_data.REDACTED_CHARS
    assert not looks_like_patient_data(text)  # past the 4,096 characters Telegram allows


ADVERSARIAL = {
    "letters": "a" * 50_000,
    "dotted": "a." * 25_000,
    "short digit runs": "1 2 3 4 x " * 5_000,
    "titles": "M " * 25_000,
    "particles": "M de " * 10_000,
    "half a NIR": "1 85 05 78 006 " * 3_300,
    "phone prefixes": "+33 " * 12_500,
    "half dates": "12/3/" * 10_000,
    "at signs": "x@" * 25_000,
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_every_pattern_is_linear_on_a_long_adversarial_text(name: str) -> None:
    """50,000 characters: linear patterns take milliseconds; the old quadratic e-mail
    pattern took about 18 s on the first input. The bound is deliberately loose."""
    text = ADVERSARIAL[name]
    patterns = [p for p, _ in patient_data._REDACTIONS] + list(patient_data._PATIENT)
    for pattern in patterns:
        started = time.perf_counter()
        pattern.sub("", text)
        assert time.perf_counter() - started < 2.0, pattern.pattern
