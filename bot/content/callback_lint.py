"""Every button the content can produce fits Telegram's callback data, and reads back.

Telegram refuses a button whose data is over 64 bytes, and `bot.core.callbacks`
reads back only what it wrote (no `:` inside an argument, 48 characters at
most). The schema bounds the ids; this check proves the result for every id the
loaded content holds, so a future schema change cannot silently break a menu.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from bot.content.errors import Problem
from bot.core import callbacks
from bot.core.content import AlertTemplate, Answer, Association
from bot.core.flows.model import Flow

# The largest step number a flow button carries (a Unix time) and its widest op.
_LARGEST_SEQ = 10**12


def _buttons(
    answers: Mapping[str, Answer],
    flows: Mapping[str, Flow],
    association: Association | None,
    templates: Mapping[str, AlertTemplate],
) -> Iterator[tuple[str, str, str, tuple[object, ...]]]:
    """(what, id, kind, args) for each button the content makes possible."""
    for topic in answers:
        yield "sujet", topic, "t", (topic,)
    for flow_id, flow in flows.items():
        yield "parcours", flow_id, "s", (flow_id,)
        yield "parcours", flow_id, "f", (_LARGEST_SEQ, f"e{max(len(flow.nodes) - 1, 0)}")
    for category in association.alert_categories if association else ():
        yield "catégorie d'alerte", category.id, "a", ("tog", category.id)
        yield "catégorie d'alerte", category.id, "b", ("cat", category.id)
    for template in templates:
        yield "modèle d'alerte", template, "b", ("tpl", template)


def _fits(kind: str, args: tuple[object, ...]) -> bool:
    try:
        data = callbacks.encode(kind, *args)
    except ValueError:
        return False
    return callbacks.decode(data) == callbacks.Action(kind, tuple(str(a) for a in args))


def callback_problems(
    answers: Mapping[str, Answer],
    flows: Mapping[str, Flow],
    association: Association | None,
    templates: Mapping[str, AlertTemplate],
    locate: Callable[[str], tuple[str, int]],
) -> list[Problem]:
    """One error per id whose button would not fit; `locate(id)` gives its file and line."""
    problems: list[Problem] = []
    reported: set[str] = set()
    for what, name, kind, args in _buttons(answers, flows, association, templates):
        if name in reported or _fits(kind, args):
            continue
        reported.add(name)
        path, line = locate(name)
        problems.append(
            Problem(
                path,
                line,
                1,
                f"{what} « {name} » : identifiant trop long ou avec « : », son bouton "
                "ne tiendrait pas dans les 64 octets de Telegram "
                "(32 caractères a-z, 0-9, _ au plus)",
            )
        )
    return problems
