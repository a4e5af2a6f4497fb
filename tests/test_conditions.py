"""Flow conditions: what `evaluate` promises to the association's flow editors."""

from __future__ import annotations

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
