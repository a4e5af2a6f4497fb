"""The semantic signal's port: how close in meaning a question is to each topic.

The lexical score and the topic model (`bot.core.matching.topic_model`) see words; a
sentence encoder sees meaning, so "on s'est fait pirater tous les ordis" is
near "rançongiciel au cabinet" although they share no word. The core only
knows these two protocols; the encoder, its vectors and the cosine arithmetic
live in an adapter (`bot.adapters.semantic`), so the core stays free of numpy
and of the model. `docs/matching.md` says which encoder and why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class SemanticIndex(Protocol):
    """The phrasings of one content, embedded once."""

    def similarities(self, text: str) -> Mapping[str, tuple[float, float]]:
        """Each topic's cosine similarities to `text`: its closest phrasing's and its
        second closest's (the same twice for a topic with a single phrasing)."""
        ...


class Encoder(Protocol):
    """A sentence encoder able to index (topic, phrasing) pairs."""

    @property
    def name(self) -> str:
        """The model and its version, for logs and cache keys."""
        ...

    def index(self, examples: Sequence[tuple[str, str]]) -> SemanticIndex:
        """An index over `examples`, (topic, phrasing) pairs; may take seconds when cold."""
        ...
