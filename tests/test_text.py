"""Normalisation: the invariants the matcher relies on."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.language import detect_language
from bot.core.matching.text import fold, normalise


def test_accents_case_elisions_and_punctuation_fold_away() -> None:
    assert fold("L'Ordinateur du CABINET !!!") == "ordinateur du cabinet"
    assert fold("Qu’est-ce qu'une violation ?") == "est ce une violation"


def test_repeated_letters_collapse() -> None:
    assert fold("merciiiii") == "merci"
    assert fold("rançongicieeeel") == "rancongiciel"


def test_domain_synonyms_share_one_form() -> None:
    assert normalise("rançongiciel") == normalise("ransomware") == normalise("cryptolocker")
    assert normalise("RGPD") == normalise("GDPR")
    assert normalise("DPD") == normalise("DPO")
    assert normalise("mdp") == normalise("mot de passe") == normalise("password")
    assert normalise("ordi") == normalise("PC") == normalise("ordinateur")


def test_stopwords_and_greetings_carry_no_meaning() -> None:
    assert normalise("bonjour, est-ce que je dois") == ""


@settings(deadline=None)  # a loaded machine must not make it flaky
@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(deadline=None)  # a loaded machine must not make it flaky
@given(st.text())
def test_fold_is_idempotent_and_ascii(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert once.isascii()


def test_language_detection() -> None:
    assert detect_language("Est-ce que je dois prévenir la CNIL ?") == "fr"
    assert detect_language("Do I have to report this breach to the CNIL?") == "en"
    assert detect_language("CNIL") is None
