"""Matching latency and accuracy on the real content, against two baselines in the same run.

(a) rapidfuzz `process.extractOne` over the raw, unnormalised examples;
(b) a scikit-learn TF-IDF character n-gram nearest-neighbour classifier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from benchmarks.common import latencies_ms, summary
from bot.content.loader import load_content
from bot.core.matching.matcher import Matcher
from bot.evaluation import Item, evaluate

ROOT = Path(__file__).resolve().parent.parent


def run(quick: bool = False) -> dict[str, Any]:
    content = load_content(ROOT)
    raw = yaml.safe_load((ROOT / "tests" / "eval" / "questions.yaml").read_text("utf-8"))
    items = [Item(str(i["q"]), i.get("topic")) for i in raw]
    if quick:
        items = items[:40]
    questions = [i.question for i in items]
    in_scope = [i for i in items if i.topic]
    repeat = 1 if quick else 5

    matcher = Matcher(content.intents)
    vigie_lat = latencies_ms(matcher.match, questions, repeat)
    report = evaluate(matcher, items)

    examples = [
        (p, t) for t, i in content.intents.items() for ps in i.examples.values() for p in ps
    ]
    choices = [p for p, _ in examples]

    def naive(q: str) -> str:
        found = process.extractOne(q, choices, scorer=fuzz.WRatio)
        return examples[found[2]][1]

    naive_lat = latencies_ms(naive, questions, repeat)
    naive_top1 = sum(naive(i.question) == i.topic for i in in_scope) / len(in_scope)

    result: dict[str, Any] = {
        "examples": len(choices),
        "questions": len(questions),
        "vigie": {**summary(vigie_lat), **report.as_json()},
        "naive_rapidfuzz": {**summary(naive_lat), "top1": round(naive_top1, 4)},
    }
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.neighbors import NearestNeighbors
    except ImportError:
        result["tfidf_knn"] = {"skipped": "scikit-learn not installed (pip install .[bench])"}
        return result
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        lowercase=True,
        strip_accents="unicode",
    )
    matrix = vectorizer.fit_transform(choices)
    knn = NearestNeighbors(n_neighbors=1, metric="cosine", algorithm="brute").fit(matrix)
    labels = [t for _, t in examples]

    def tfidf(q: str) -> str:
        _, index = knn.kneighbors(vectorizer.transform([q]))
        return labels[int(index[0][0])]

    tfidf_lat = latencies_ms(tfidf, questions, repeat)
    tfidf_top1 = sum(tfidf(i.question) == i.topic for i in in_scope) / len(in_scope)
    result["tfidf_knn"] = {**summary(tfidf_lat), "top1": round(tfidf_top1, 4)}
    result["ratios"] = {
        "vigie_p50_vs_tfidf": round(result["vigie"]["p50"] / result["tfidf_knn"]["p50"], 3),
        "vigie_p99_vs_tfidf": round(result["vigie"]["p99"] / result["tfidf_knn"]["p99"], 3),
        "vigie_p50_vs_naive": round(result["vigie"]["p50"] / result["naive_rapidfuzz"]["p50"], 3),
    }
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
