"""Typed answers to a flow question (bot/core/flows/freetext.py)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.core.flows.freetext import NO, UNKNOWN, YES, choice
from bot.core.matching.text import fold

OFFERED = ["yes", "no", "unknown"]
LABELS = ["Oui", "Non", "Je ne sais pas"]


@pytest.mark.parametrize(
    ("typed", "index"),
    [
        ("ouais", 0),
        ("OUI !", 0),
        ("nope", 1),
        ("jsp", 2),
        ("je sais pas", 2),
        ("Je ne sais pas", 2),
        ("peut-être qu'il faudrait notifier ?", None),
        ("   ", None),
    ],
)
def test_typed_answers(typed: str, index: int | None) -> None:
    assert choice(typed, OFFERED, LABELS) == index


def test_unsure_maps_to_a_label_that_says_so_when_unknown_is_not_a_value() -> None:
    offered = ["encrypted", "plain", "unsure"]
    labels = ["Chiffré", "En clair", "Pas sûr"]
    assert choice("aucune idée", offered, labels) == 2
    assert choice("oui", offered, labels) is None


@settings(deadline=None)  # a loaded machine must not make it flaky
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=6), st.data())
def test_a_label_typed_as_shown_selects_it(labels: list[str], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(labels) - 1))
    offered = [f"v{k}" for k in range(len(labels))]
    got = choice(labels[i], offered, labels)
    said = fold(labels[i])
    assume(said not in UNKNOWN)  # "not sure" may pick any label that says so
    if not said or said in YES | NO:
        assert got is None  # nothing to read, or a yes/no these values cannot take
    else:
        assert got is not None and fold(labels[got]) == said  # itself, or a true twin
