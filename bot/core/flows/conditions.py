"""Evaluate the declarative conditions of flows against the answers given."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.flows.model import Condition

OPERATORS = frozenset({"fact", "is", "in", "not_in", "all", "any", "not", "ref"})


def evaluate(
    condition: Condition, answers: Mapping[str, str], definitions: Mapping[str, Condition]
) -> bool:
    """True when `condition` holds; a fact not answered matches no value."""
    if "ref" in condition:
        return evaluate(definitions[str(condition["ref"])], answers, definitions)
    if "all" in condition:
        return all(evaluate(c, answers, definitions) for c in _items(condition["all"]))
    if "any" in condition:
        return any(evaluate(c, answers, definitions) for c in _items(condition["any"]))
    if "not" in condition:
        inner = condition["not"]
        assert isinstance(inner, Mapping)
        return not evaluate(inner, answers, definitions)
    value = answers.get(str(condition["fact"]))
    if "is" in condition:
        return value is not None and value == str(condition["is"])
    if "in" in condition:
        return value is not None and value in _values(condition["in"])
    if "not_in" in condition:
        return value is not None and value not in _values(condition["not_in"])
    raise ValueError(f"condition without operator: {condition!r}")


def facts_used(condition: Condition, definitions: Mapping[str, Condition]) -> set[str]:
    """Every fact a condition reads, through references too."""
    if "ref" in condition:
        return facts_used(definitions[str(condition["ref"])], definitions)
    found: set[str] = set()
    for key in ("all", "any"):
        if key in condition:
            for child in _items(condition[key]):
                found |= facts_used(child, definitions)
    if "not" in condition:
        inner = condition["not"]
        assert isinstance(inner, Mapping)
        found |= facts_used(inner, definitions)
    if "fact" in condition:
        found.add(str(condition["fact"]))
    return found


def values_used(condition: Condition) -> list[tuple[str, str]]:
    """(fact, value) pairs a condition compares with, for lint."""
    pairs: list[tuple[str, str]] = []
    for key in ("all", "any"):
        if key in condition:
            for child in _items(condition[key]):
                pairs += values_used(child)
    if "not" in condition:
        inner = condition["not"]
        assert isinstance(inner, Mapping)
        pairs += values_used(inner)
    if "fact" in condition:
        fact = str(condition["fact"])
        for key in ("is", "in", "not_in"):
            if key in condition:
                raw = condition[key]
                pairs += [(fact, v) for v in ([str(raw)] if key == "is" else _values(raw))]
    return pairs


def _items(raw: object) -> list[Condition]:
    assert isinstance(raw, list | tuple)
    return [c for c in raw if isinstance(c, Mapping)]


def _values(raw: object) -> list[str]:
    assert isinstance(raw, list | tuple)
    return [str(v) for v in raw]
