"""Match a typed question to a topic: answer, ask to clarify, or fall back honestly.

Three signals: the lexical score (`bot.core.matching.lexical`, adjusted by the topic
model of `bot.core.matching.topic_model`) and, with a sentence encoder, the semantic
similarity (`bot.core.matching.semantic`). With the encoder, `bot.core.matching.decision` fuses
them and decides; without it, the lexical decision at the end of `match`
applies. Why: see `docs/matching.md`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.core.content import OUT_OF_SCOPE, Intent
from bot.core.language import detect_language
from bot.core.matching.decision import Fusion, Ranked, fuse, probability
from bot.core.matching.lexical import Candidate, LexicalIndex
from bot.core.matching.semantic import Encoder, SemanticIndex
from bot.core.matching.text import fold, normalise_folded, stem

__all__ = ["Candidate", "Decision", "Match", "Matcher", "Thresholds"]

Decision = Literal["answer", "clarify", "fallback"]


@dataclass(frozen=True)
class Thresholds:
    """Calibrated in cross-validation and on the evaluation set (docs/matching.md)."""

    answer: Mapping[str, float] = field(default_factory=lambda: {"fr": 70.0, "en": 70.0})
    clarify: Mapping[str, float] = field(default_factory=lambda: {"fr": 42.0, "en": 42.0})
    # A winner must lead the runner-up by this much to be answered directly.
    margin: float = 15.0
    # A very strong match needs a smaller lead over the runner-up.
    strong: float = 80.0
    strong_margin: float = 8.0
    # Candidates within this distance of the best are offered when clarifying.
    clarify_band: float = 20.0
    # Fall back when the out-of-scope examples score within this of the best topic.
    oos_gap: float = 15.0


@dataclass(frozen=True)
class Match:
    decision: Decision
    topic: str | None
    score: float
    alternatives: tuple[Candidate, ...]
    lang: str
    example: str | None = None
    out_of_scope: bool = False
    # With an answer: other topics almost as close, worth a "Voir aussi" button.
    see_also: tuple[Candidate, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The stable `vigie ask --json` shape."""
        return {
            "topic": self.topic,
            "decision": self.decision,
            "score": round(self.score),
            "alternatives": [
                {"topic": c.topic, "score": round(c.score)} for c in self.alternatives
            ],
            "lang": self.lang,
        }


class Matcher:
    """The three signals over one content, built once when it loads, and the decision."""

    def __init__(
        self,
        intents: Mapping[str, Intent],
        thresholds: Thresholds | None = None,
        encoder: Encoder | None = None,
        fusion: Fusion | None = None,
    ):
        self.thresholds = thresholds or Thresholds()
        self.fusion = fusion or Fusion()
        self._overrides = {
            topic: intent.threshold
            for topic, intent in intents.items()
            if intent.threshold is not None
        }
        stems = functools.cache(stem)  # for this build only: phrasings share their words
        raw = [
            (topic, phrase, normalise_folded(folded, stems), folded)
            for topic, intent in intents.items()
            for phrases in intent.examples.values()
            for phrase in phrases
            for folded in (fold(phrase),)
        ]
        self._lexical = LexicalIndex(raw)
        self._examples = [(topic, phrase) for topic, phrase, _, _ in raw]
        self._folded = [(topic, folded) for topic, _, _, folded in raw]
        self._semantic: SemanticIndex | None = encoder.index(self._examples) if encoder else None

    def with_encoder(self, encoder: Encoder) -> Matcher:
        """The same matcher with the semantic signal: the lexical index is shared, not
        rebuilt (the encoder joins a running bot once its index is ready)."""
        twin = copy.copy(self)
        twin._semantic = encoder.index(self._examples)
        return twin

    @property
    def semantic(self) -> bool:
        """Whether the semantic signal takes part (an encoder was given)."""
        return self._semantic is not None

    def folded_phrasings(self) -> list[tuple[str, str]]:
        """(topic, folded phrasing) for every example phrasing, as the index saw them."""
        return self._folded

    @property
    def example_count(self) -> int:
        return self._lexical.example_count

    def scores(self, text: str) -> list[Candidate]:
        """Every topic that shares a term with the question, best first (lexical signal)."""
        return self._lexical.scores(text)

    def match(self, text: str, lang_hint: str | None = None) -> Match:
        lang = detect_language(text) or lang_hint or "fr"
        ranked = self.scores(text)
        by_words = self._by_words(ranked, lang)
        if self._semantic is None or self._words_suffice(by_words):
            return by_words
        fused = self.fused(text, ranked)
        return by_words if fused is None else self._decide(fused, ranked, lang)

    def _words_suffice(self, match: Match) -> bool:
        """A clear lexical answer, far ahead of the next topic: the encoder (tens of ms)
        would not change it. How clear: chosen in cross-validation (docs/matching.md)."""
        f = self.fusion
        if match.decision != "answer":
            return False
        runner_up = match.alternatives[0].score if match.alternatives else 0.0
        return match.score >= f.words_suffice and match.score - runner_up >= f.words_lead

    def _by_words(self, ranked: list[Candidate], lang: str) -> Match:
        """The decision from the lexical signal alone (no encoder, or a clear answer)."""
        if not ranked:
            return Match("fallback", None, 0.0, (), lang)
        t = self.thresholds
        in_scope = [c for c in ranked if c.topic != OUT_OF_SCOPE]
        oos = next((c for c in ranked if c.topic == OUT_OF_SCOPE), None)
        best = in_scope[0] if in_scope else None
        # Looks at least as much like a question we must not answer: say so honestly.
        if oos is not None and (best is None or oos.score + t.oos_gap >= best.score):
            return Match("fallback", None, oos.score, tuple(in_scope[:3]), lang, oos.example, True)
        assert best is not None
        answer_at = self._overrides.get(best.topic, t.answer.get(lang, t.answer["fr"]))
        clarify_at = t.clarify.get(lang, t.clarify["fr"])
        runner_up = in_scope[1].score if len(in_scope) > 1 else 0.0
        lead = best.score - runner_up
        if best.score >= answer_at and (
            lead >= t.margin or (best.score >= t.strong and lead >= t.strong_margin)
        ):
            return Match("answer", best.topic, best.score, tuple(in_scope[1:4]), lang, best.example)
        if best.score >= clarify_at:
            close = tuple(c for c in in_scope[1:3] if best.score - c.score <= t.clarify_band)
            return Match("clarify", best.topic, best.score, close, lang, best.example)
        return Match("fallback", None, best.score, tuple(in_scope[:3]), lang, best.example)

    def fused(self, text: str, lexical: list[Candidate] | None = None) -> Ranked | None:
        """Lexical and semantic signals in one ranking; None without an encoder."""
        if self._semantic is None:
            return None
        if lexical is None:
            lexical = self.scores(text)
        similarities = self._semantic.similarities(text)
        return fuse([(c.topic, c.score) for c in lexical], similarities, text, self.fusion)

    def _decide(self, ranked: Ranked, lexical: list[Candidate], lang: str) -> Match:
        """Answer, clarify or fall back from the fused ranking (bot/core/matching/decision.py)."""
        f = self.fusion
        examples = {c.topic: c.example for c in lexical}
        best = ranked.topics[0]
        top = ranked.fused[best]

        def candidate(topic: str) -> Candidate:
            score = min(100.0, max(0.0, ranked.fused[topic]))
            return Candidate(topic, score, examples.get(topic, ""))

        def within(band: float) -> tuple[Candidate, ...]:
            return tuple(candidate(t) for t in ranked.topics[1:3] if top - ranked.fused[t] <= band)

        score = candidate(best).score
        example = examples.get(best)
        if probability(f.in_scope_coefficients, ranked.features) < f.in_scope:
            shown = tuple(candidate(t) for t in ranked.topics[:3])
            return Match("fallback", None, score, shown, lang, example, ranked.oos_closer)
        override = self._overrides.get(best)
        if (
            score >= override
            if override is not None
            else probability(f.answer_coefficients, ranked.features) >= f.answer
        ):
            others = tuple(candidate(t) for t in ranked.topics[1:4])
            return Match(
                "answer", best, score, others, lang, example, see_also=within(f.see_also_band)
            )
        return Match("clarify", best, score, within(f.clarify_band), lang, example)
