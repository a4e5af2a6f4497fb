"""Phrasing vectors kept on disk, so start-up and /reload embed only what changed.

One file per model (keyed by the model file's hash): the SHA-256 of each
phrasing and its vector. Only the content's phrasings are ever written here,
never what a member typed. A missing, unreadable or foreign file is an empty
cache: the vectors are computed again, nothing fails.

The package ships a seed (`seed/`, made by `python -m bot.adapters.semantic.seed`)
with the vectors of the shipped content: a fresh install, a Docker image or CI
starts warm and embeds only the phrasings an association added or changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.privacy.filemodes import make_private_dir

log = logging.getLogger("vigie.semantic")
Vectors = npt.NDArray[np.float32]


def phrasing_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


SEED_DIR = Path(__file__).resolve().parent / "seed"


def cache_file_name(model_hash: str) -> str:
    return f"phrasings-{model_hash[:16]}.npz"


class VectorCache:
    def __init__(
        self, folder: Path | None, model_hash: str, dim: int, seed_dir: Path | None = SEED_DIR
    ):
        self.path = folder / cache_file_name(model_hash) if folder else None
        self.dim = dim
        self._rows: dict[bytes, int] = {}
        self._vectors: Vectors = np.zeros((0, dim), dtype=np.float32)
        self._dirty = False
        if self.path is not None and self.path.is_file():
            self._read(self.path)
        # The shipped seed completes an association's own cache: after an upgrade, the
        # phrasings the new version ships are not embedded again (minutes on a small
        # server), only the association's own changes.
        seed = seed_dir / cache_file_name(model_hash) if seed_dir else None
        if seed is not None and seed != self.path and seed.is_file():
            self._read(seed)

    def _read(self, path: Path) -> None:
        """Add the vectors of `path` that are not known yet."""
        try:
            with np.load(path) as data:
                keys = data["keys"]
                vectors = data["vectors"].astype(np.float32)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("semantic cache %s unreadable (%s): vectors will be recomputed", path, exc)
            return
        if vectors.ndim != 2 or vectors.shape[1] != self.dim or len(keys) != len(vectors):
            return
        if not self._rows:
            self._vectors = vectors
            self._rows = {bytes(k): i for i, k in enumerate(keys)}
            return
        new = [i for i, k in enumerate(keys) if bytes(k) not in self._rows]
        start = len(self._vectors)
        self._vectors = np.vstack([self._vectors, vectors[new]])
        for offset, i in enumerate(new):
            self._rows[bytes(keys[i])] = start + offset

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, text: str) -> Vectors | None:
        row = self._rows.get(phrasing_key(text))
        return None if row is None else self._vectors[row]

    def missing(self, texts: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(t for t in texts if phrasing_key(t) not in self._rows))

    def add(self, texts: list[str], vectors: Vectors) -> None:
        start = len(self._vectors)
        self._vectors = np.vstack([self._vectors, vectors.astype(np.float32)])
        for offset, text in enumerate(texts):
            self._rows[phrasing_key(text)] = start + offset
        self._dirty = True

    def matrix(self, texts: Iterable[str]) -> Vectors:
        rows = [self._rows[phrasing_key(t)] for t in texts]
        return self._vectors[rows]

    def save(self) -> None:
        """Write atomically; a read-only folder only costs the next start its time."""
        if self.path is None or not self._dirty:
            return
        keys = np.zeros((len(self._rows), 16), dtype=np.uint8)
        order = sorted(self._rows.items(), key=lambda kv: kv[1])
        for i, (key, _) in enumerate(order):
            keys[i] = np.frombuffer(key, dtype=np.uint8)
        vectors = self._vectors[[row for _, row in order]]
        try:
            make_private_dir(self.path.parent)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz.tmp")
            with os.fdopen(fd, "wb") as out:
                np.savez(out, keys=keys, vectors=vectors)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("semantic cache not saved in %s (%s)", self.path.parent, exc)
            return
        self._dirty = False
