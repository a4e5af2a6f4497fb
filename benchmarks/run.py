"""Run every benchmark and write benchmarks/results/results.{json,md}.

`make bench` (or `python -m benchmarks.run [--quick]`). Figures are reported
with ratios against baselines measured in the same run, since absolute times
vary from machine to machine. Targets are checked and printed, not asserted:
no timed assertion lives in the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import time
from typing import Any

from benchmarks.common import RESULTS

BENCHMARKS = (
    "bench_matching",
    "bench_scale",
    "bench_e2e",
    "bench_startup",
    "bench_broadcast",
    "bench_unmatched",
    "bench_semantic",
)


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each target of the benchmarks issue."""
    found: list[tuple[str, str, bool | None]] = []
    m = results.get("bench_matching", {})
    if "vigie" in m:
        p99 = m["vigie"]["p99"]
        found.append(("matching p99 < 2 ms on the real content", f"{p99} ms", p99 < 2))
        t = m.get("tfidf_knn", {})
        if "p50" in t:
            faster = m["vigie"]["p50"] < t["p50"]
            better = m["vigie"]["top1"] >= t["top1"]
            found.append(("faster than TF-IDF kNN at equal or better top-1",
                          f"p50 {m['vigie']['p50']} vs {t['p50']} ms; top-1 "
                          f"{m['vigie']['top1']} vs {t['top1']}", faster and better))
    s = results.get("bench_scale", {}).get("rows", [])
    if s:
        big = s[-1]
        found.append((f"p99 < 20 ms at {big['topics']} topics", f"{big['p99']} ms",
                      big["p99"] < 20))
    e = results.get("bench_e2e", {})
    if e:
        q, b = e["question_updates_per_s"], e["button_updates_per_s"]
        found.append((">= 40 question updates/s on one core, encoder on", f"{q} /s "
                      f"({e['question_vs_words_only']}x words only)", q >= 40))
        found.append((">= 500 button updates/s on one core", f"{b} /s", b >= 500))
        w = e["question_updates_per_s_words_only"]
        found.append((">= 500 question updates/s on one core, words only", f"{w} /s", w >= 500))
    st = results.get("bench_startup", {})
    if st:
        found.append(("start-up < 1.5 s", f"{st['startup_s']} s", st["startup_s"] < 1.5))
        found.append(("RSS < 120 MB after 10,000 conversations, words only",
                      f"{st['rss_after_mb']} MB", st["rss_after_mb"] < 120))
        found.append(("start-up <= 2 s with the encoder, cache warm",
                      f"{st['startup_semantic_s']} s", st["startup_semantic_s"] <= 2))
        found.append(("RSS <= 250 MB after 10,000 conversations, encoder on",
                      f"{st['rss_after_semantic_mb']} MB", st["rss_after_semantic_mb"] <= 250))
    sem = results.get("bench_semantic", {})
    if "semantic" in sem:
        p50, p99 = sem["semantic"]["p50"], sem["semantic"]["p99"]
        found.append(("question p50 <= 30 ms with the semantic signal",
                      f"{p50} ms ({sem['ratios']['p50_semantic_vs_lexical']}x lexical)",
                      p50 <= 30))
        found.append(("question p99 <= 80 ms with the semantic signal",
                      f"{p99} ms ({sem['ratios']['p99_semantic_vs_lexical']}x lexical)",
                      p99 <= 80))
        found.append(("warm build <= 2 s", f"{sem['warm_build_s']} s", sem["warm_build_s"] <= 2))
        found.append(("RSS <= 250 MB with the model", f"{sem['peak_rss_mb']} MB",
                      sem["peak_rss_mb"] <= 250))
        found.append(("cold first start (every phrasing embedded), reported",
                      f"~{sem['cold_first_start_estimate_s']} s for {sem['phrasings']}", None))
    b = results.get("bench_broadcast", {})
    if "messages_per_s" in b:
        found.append(("broadcast sender >= 1,000 msg/s", f"{b['messages_per_s']} /s",
                      b["messages_per_s"] >= 1000))
    return found


def _verdict(met: bool | None) -> str:
    """A target met, missed, or only reported."""
    return "—" if met is None else "OK" if met else "NO"


def markdown(results: dict[str, Any]) -> str:
    lines = [f"# Vigie benchmarks ({results['meta']['date']}, {results['meta']['machine']})", ""]
    lines += ["| target | measured | met |", "|---|---|---|"]
    for name, measured, met in targets(results):
        lines.append(f"| {name} | {measured} | {_verdict(met)} |")
    for name in BENCHMARKS:
        data = results.get(name)
        if data is None:
            continue
        lines += ["", f"## {name}", "", "```json", json.dumps(data, indent=2), "```"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks they run")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    results: dict[str, Any] = {"meta": {
        "date": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.platform(),
        "python": platform.python_version(), "quick": args.quick,
    }}
    for name in args.only or BENCHMARKS:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ImportError as exc:
            results[name] = {"skipped": str(exc)}
            continue
        start = time.perf_counter()
        print(f"running {name}...", flush=True)
        results[name] = module.run(quick=args.quick)
        results[name]["_seconds"] = round(time.perf_counter() - start, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (RESULTS / "results.md").write_text(markdown(results), encoding="utf-8")
    for name, measured, met in targets(results):
        print(f"{_verdict(met):3} {name}: {measured}")
    print(f"written to {RESULTS}/results.md and results.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
