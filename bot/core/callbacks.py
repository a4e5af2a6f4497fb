"""Compact, versioned callback data for buttons (Telegram allows 64 bytes).

`1|t:breach.deadline` shows a topic; `1|f:7:c2` picks the third choice of the
flow step numbered 7. Anything that does not decode, or that names a step the
session is no longer at, is treated as an expired button: the core never jumps
to a step on the strength of a button alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.limits import MAX_CALLBACK_DATA_BYTES

VERSION = "1"


@dataclass(frozen=True)
class Action:
    kind: str
    args: tuple[str, ...] = ()


def encode(kind: str, *args: object) -> str:
    data = f"{VERSION}|{kind}" + "".join(f":{a}" for a in args)
    if len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_DATA_BYTES} bytes: {data!r}")
    return data


def decode(data: str) -> Action | None:
    """The action, or None for data this version did not produce."""
    if len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
        return None
    version, sep, rest = data.partition("|")
    if version != VERSION or not sep or not rest:
        return None
    kind, *args = rest.split(":")
    if not kind.isalpha() or any(not a or len(a) > 48 for a in args):
        return None
    return Action(kind, tuple(args))
