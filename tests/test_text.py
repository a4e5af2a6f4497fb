"""Normalisation: the invariants the matcher relies on."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.language import detect_language
from bot.core.matching.lexicon import SYNONYMS
from bot.core.matching.phrases import PHRASES
from bot.core.matching.text import (
    canonical_tokens,
    fold,
    fold_every_step,
    normalise,
)


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
    assert fold_every_step(once) == once  # every step, not only fold's shortcut
    assert fold(once) == once
    assert once.isascii()


@settings(deadline=None)
@given(st.text(alphabet="abcz0129 éL'-", max_size=30))
def test_the_shortcut_for_folded_text_changes_nothing(text: str) -> None:
    assert fold(text) == fold_every_step(text)


def _canonical_tokens_reference(text: str) -> list[str]:
    """The lexicon applied naively: every phrase looked for, longest first."""
    folded = f" {fold(text)} "
    for phrase, canon in PHRASES:
        if phrase in folded:
            folded = folded.replace(phrase, f" {canon} ")
    return [SYNONYMS.get(tok, tok) for tok in folded.split()]


_PHRASE_WORDS = sorted(
    {w for phrase, canon in PHRASES for w in (*phrase.split(), canon)} | {"l'", "Mot", "72h"}
)


@settings(deadline=None)
@given(st.lists(st.sampled_from(_PHRASE_WORDS), max_size=10))
def test_phrases_are_replaced_as_if_each_were_looked_for(words: list[str]) -> None:
    text = " ".join(words)
    assert canonical_tokens(text) == _canonical_tokens_reference(text)


def test_language_detection() -> None:
    assert detect_language("Est-ce que je dois prévenir la CNIL ?") == "fr"
    assert detect_language("Do I have to report this breach to the CNIL?") == "en"
    assert detect_language("CNIL") is None
