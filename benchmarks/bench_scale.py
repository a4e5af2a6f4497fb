"""How matching cost grows with the content: synthetic topics with 20 phrasings each.

Phrasings draw words from a topic-specific vocabulary and a shared one (the way
real topics share "données", "patient", "cabinet"), so the inverted index sees
realistic posting-list lengths. Queries are held-out recombinations of a
topic's words with one typo in a third of them.
"""

from __future__ import annotations

import random
import time
import tracemalloc
from typing import Any

from benchmarks.common import latencies_ms, summary
from bot.core.content import Intent
from bot.core.matching.matcher import Matcher

SIZES = (200, 1000, 5000)
PHRASINGS = 20
SYLLABLES = ["ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ru", "sa", "te", "vi",
             "zo", "pra", "tri", "clo", "gre", "mon", "tal", "ver", "cul", "sto", "bri"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def synthetic(topics: int, seed: int = 7) -> tuple[dict[str, Intent], list[tuple[str, str]]]:
    rng = random.Random(seed)
    shared = [_word(rng) for _ in range(300)]
    intents: dict[str, Intent] = {}
    queries: list[tuple[str, str]] = []
    for t in range(topics):
        own = [_word(rng) for _ in range(12)]
        phrases = tuple(
            " ".join(rng.sample(own, 3) + rng.sample(shared, rng.randint(3, 7)))
            for _ in range(PHRASINGS)
        )
        topic = f"synthetic.t{t}"
        intents[topic] = Intent(topic, {"fr": phrases})
        if t % max(topics // 250, 1) == 0:
            words = rng.sample(own, 3) + rng.sample(shared, 3)
            if rng.random() < 0.33:
                w = words[0]
                words[0] = w[:-1] + ("x" if w[-1] != "x" else "y")
            queries.append((" ".join(words), topic))
    return intents, queries


def run(quick: bool = False) -> dict[str, Any]:
    sizes = (50, 200) if quick else SIZES
    rows: list[dict[str, Any]] = []
    for size in sizes:
        intents, queries = synthetic(size)
        tracemalloc.start()
        start = time.perf_counter()
        matcher = Matcher(intents)
        build_s = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        texts = [q for q, _ in queries]
        lat = latencies_ms(matcher.match, texts, repeat=1 if quick else 3)
        top1 = sum(matcher.match(q).topic == t for q, t in queries) / len(queries)
        rows.append({
            "topics": size, "phrasings": matcher.example_count,
            "build_s": round(build_s, 3), "index_mb": round(peak / 2**20, 1),
            **summary(lat), "top1": round(top1, 3),
        })
    base = rows[0]
    for row in rows:
        growth = row["phrasings"] / base["phrasings"]
        row["phrasings_ratio"] = round(growth, 1)
        row["p50_ratio"] = round(row["p50"] / base["p50"], 2) if base["p50"] else None
        row["build_ratio"] = round(row["build_s"] / base["build_s"], 2) if base["build_s"] else None
    return {"rows": rows}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
