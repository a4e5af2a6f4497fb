"""Pydantic's validation errors, rewritten for the people who edit the content.

Pydantic says "Extra inputs are not permitted"; the association's staff need
"clé inconnue « titel » dans answers/breach.deadline : vouliez-vous dire
« title » ?" at the line of the faulty value. This module turns each error
kind into such a sentence, with the keys the schema allows when a key is wrong.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.content.errors import Problem
from bot.content.yamlsource import Location, YamlDocument

_ID = re.compile(r"[a-z][a-z0-9_.-]*")


def schema_problems(
    doc: YamlDocument, exc: ValidationError, model: type[BaseModel]
) -> list[Problem]:
    """Pydantic's errors, in French, at the line of the faulty value."""
    problems = []
    for error in exc.errors():
        location = tuple(p for p in error["loc"] if p != "[key]")
        problems.append(doc.problem(location, explain(error, location, doc, model)))
    return problems


def explain(error: Any, location: Location, doc: YamlDocument, model: type[BaseModel]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    where = "/".join(str(p) for p in location) or "racine"
    parent = "/".join(str(p) for p in location[:-1]) or "racine"
    if kind == "extra_forbidden":
        allowed = _keys_at(model, location[:-1])
        close = difflib.get_close_matches(str(location[-1]), allowed or [], n=1, cutoff=0.6)
        return (
            f"clé inconnue « {location[-1]} » dans {parent} (vérifiez l'orthographe"
            + (f" : vouliez-vous dire « {close[0]} » ?" if close else "")
            + (f" ; clés possibles : {', '.join(allowed)})" if allowed else ")")
        )
    if kind == "missing":
        return f"champ « {location[-1]} » manquant dans {parent}"
    if kind in {"string_type", "str_type"}:
        if value is None:
            return f"{where} : texte manquant (la valeur est vide)"
        if isinstance(value, dict):
            return (
                f"{where} : texte attendu, mais un « : » suivi d'une espace en fait une clé ; "
                'mettez le texte entre guillemets (ex. "délai : 72 h")'
            )
        if location in doc.unquoted:
            return f'{where} : texte attendu ; mettez le texte entre guillemets (ex. "non")'
        return f"{where} : texte attendu"
    if kind == "string_too_short":
        return f"{where} : texte vide ; écrivez le texte ou supprimez la ligne"
    if kind == "string_pattern_mismatch":
        return f"{where} : identifiant « {value} » invalide (ex. breach.deadline)"
    if kind == "string_too_long" and isinstance(value, str) and _ID.fullmatch(value):
        return (
            f"{where} : identifiant « {value} » trop long ({ctx.get('max_length')} caractères "
            "au plus : il doit tenir dans les boutons de Telegram)"
        )
    if kind == "string_too_long":
        return f"{where} : texte trop long ({ctx.get('max_length')} caractères au plus)"
    if kind == "too_short":
        return f"{where} : au moins {ctx.get('min_length')} élément(s) attendu(s)"
    if kind == "too_long":
        return f"{where} : au plus {ctx.get('max_length')} élément(s)"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        sign = {"ge": "≥", "le": "≤", "gt": ">", "lt": "<"}
        bound = ", ".join(f"{sign[k]} {v}" for k, v in ctx.items() if k in sign)
        return f"{where} : nombre {bound} attendu (lu : {value})"
    if kind in {"int_type", "int_parsing", "float_type", "float_parsing", "int_from_float"}:
        hint = " (sans guillemets)" if isinstance(value, str) else ""
        return f"{where} : nombre attendu{hint}"
    if kind == "bool_type":
        return f"{where} : true ou false attendu"
    if kind == "literal_error":
        return f"{where} : « {value} » invalide (attendu : {ctx.get('expected')})"
    if kind.startswith("date"):
        if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
            return f"{where} : date attendue sans guillemets (ex. 2026-11-29)"
        return f"{where} : date attendue au format AAAA-MM-JJ"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"{where} : une liste de clés « nom: valeur » est attendue ici"
    if kind == "list_type":
        return f"{where} : une liste (lignes commençant par « - ») est attendue ici"
    return f"{where} : {error['msg']}"


def _keys_at(model: Any, location: Location) -> list[str] | None:
    """The keys the schema allows at `location`, when it is a model."""
    kind = model
    for part in location:
        kind = _unwrap(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            try:
                hints = typing.get_type_hints(kind, include_extras=True)
            except (NameError, TypeError):
                return None
            names = {f.alias or name: name for name, f in kind.model_fields.items()}
            if str(part) not in names:
                return None
            kind = hints.get(names[str(part)])
        elif typing.get_origin(kind) is dict:
            kind = typing.get_args(kind)[1]
        elif typing.get_origin(kind) is list:
            kind = typing.get_args(kind)[0]
        else:
            return None
    kind = _unwrap(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return [f.alias or name for name, f in kind.model_fields.items()]
    return None


def _unwrap(kind: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` -> X."""
    while True:
        origin = typing.get_origin(kind)
        if origin is typing.Annotated:
            kind = typing.get_args(kind)[0]
        elif origin in {typing.Union, types.UnionType}:
            options = [a for a in typing.get_args(kind) if a is not type(None)]
            if len(options) != 1:
                return kind
            kind = options[0]
        else:
            return kind
