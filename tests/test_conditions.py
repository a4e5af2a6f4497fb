"""Flow conditions: what `evaluate` promises to the association's flow editors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.core.flows.conditions import evaluate
from bot.core.flows.model import Condition

DEFINITIONS: dict[str, Condition] = {"is_processor": {"fact": "role", "is": "processor"}}


@pytest.mark.parametrize("condition", [
    {"fact": "recipient", "is": "cnil"},
    {"fact": "recipient", "in": ["cnil", "patients"]},
    {"fact": "recipient", "not_in": ["cnil"]},
    {"ref": "is_processor"},
])
def test_a_fact_not_answered_matches_no_value(condition: Condition) -> None:
    assert evaluate(condition, {}, DEFINITIONS) is False
    assert evaluate(condition, {"other": "cnil"}, DEFINITIONS) is False


@pytest.mark.parametrize(("condition", "answers", "expected"), [
    ({"fact": "recipient", "is": "cnil"}, {"recipient": "cnil"}, True),
    ({"fact": "recipient", "is": "cnil"}, {"recipient": "patients"}, False),
    ({"fact": "recipient", "in": ["cnil", "patients"]}, {"recipient": "patients"}, True),
    ({"fact": "recipient", "in": ["cnil"]}, {"recipient": "patients"}, False),
    ({"fact": "recipient", "not_in": ["cnil"]}, {"recipient": "patients"}, True),
    ({"fact": "recipient", "not_in": ["cnil"]}, {"recipient": "cnil"}, False),
    ({"not": {"fact": "recipient", "is": "cnil"}}, {}, True),
    ({"all": [{"fact": "a", "is": "1"}, {"fact": "b", "is": "2"}]}, {"a": "1", "b": "2"}, True),
    ({"all": [{"fact": "a", "is": "1"}, {"fact": "b", "is": "2"}]}, {"a": "1"}, False),
    ({"any": [{"fact": "a", "is": "1"}, {"fact": "b", "is": "2"}]}, {"b": "2"}, True),
    ({"any": [{"fact": "a", "is": "1"}, {"fact": "b", "is": "2"}]}, {}, False),
    ({"ref": "is_processor"}, {"role": "processor"}, True),
])
def test_operators(condition: Condition, answers: dict[str, str], expected: bool) -> None:
    assert evaluate(condition, answers, DEFINITIONS) is expected


def test_a_condition_without_operator_is_an_error() -> None:
    with pytest.raises(ValueError, match="without operator"):
        evaluate({"fact": "recipient"}, {"recipient": "cnil"}, DEFINITIONS)


NESTED: dict[str, Condition] = {
    "is_processor": {"fact": "role", "is": "processor"},
    "processor_ref": {"ref": "is_processor"},
}


@pytest.mark.parametrize("wrapper", [
    lambda c: c,
    lambda c: {"all": [c]},
    lambda c: {"any": [c]},
    lambda c: {"not": {"not": c}},
])
def test_references_are_followed_inside_every_operator(
    wrapper: Callable[[Condition], Condition],
) -> None:
    condition = wrapper({"ref": "processor_ref"})
    assert evaluate(condition, {"role": "processor"}, NESTED) is True
    assert evaluate(condition, {"role": "controller"}, NESTED) is False


@pytest.mark.parametrize(("condition", "answers", "expected"), [
    ({"fact": "count", "is": 3}, {"count": "3"}, True),
    ({"fact": "count", "in": [1, 2]}, {"count": "2"}, True),
    ({"fact": "count", "not_in": [1, 2]}, {"count": "2"}, False),
    ({"fact": "count", "not_in": [1, 2]}, {"count": "3"}, True),
])
def test_values_in_conditions_compare_as_text(
    condition: Condition, answers: dict[str, str], expected: bool
) -> None:
    assert evaluate(condition, answers, DEFINITIONS) is expected


@pytest.mark.parametrize(("condition", "expected"), [
    ({"all": []}, True), ({"any": []}, False),
    ({"all": [{"fact": "a", "is": "1"}, {"fact": "b", "is": "9"}]}, False),
    ({"any": [{"fact": "a", "is": "9"}, {"fact": "b", "is": "2"}]}, True),
    ({"not": {"fact": "a", "is": "1"}}, False),
    ({"not": {"fact": "a", "is": "9"}}, True),
])
def test_combinations_of_answered_facts(condition: Condition, expected: bool) -> None:
    assert evaluate(condition, {"a": "1", "b": "2"}, DEFINITIONS) is expected


def test_the_error_quotes_the_condition_without_operator() -> None:
    with pytest.raises(ValueError) as caught:
        evaluate({"fact": "recipient"}, {}, DEFINITIONS)
    assert str(caught.value) == "condition without operator: {'fact': 'recipient'}"
