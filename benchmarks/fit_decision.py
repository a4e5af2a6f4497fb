"""Fit the decision's coefficients (cross-validation) and thresholds (development set).

    PYTHONPATH=. python -m benchmarks.fit_decision [--max-wrong 0.01] [--encoder use]
                                                   [--report-held-out]

The coefficients: only the intents' own phrasings are used. Each phrasing is
scored by a matcher (lexical, topic model and semantic index) built from the
other four folds, with the same split as `vigie eval --cross-validate`, and two
logistic regressions are fitted on those cross-fitted features: "the favourite
is the right topic" and "the question is in scope".

The two probability thresholds: chosen on the development set
`tests/eval/situations_dev.yaml` (questions as members type them, situations
mostly, written without seeing intents/), the most direct answers with wrong
answers at most `--max-wrong`, top-1 at least 94 % and out-of-scope rejection at
least 90 %.
Cross-validation scores each phrasing without its near siblings, so it asks
for far more caution than real questions need (docs/matching.md, section 4).
No other evaluation set chooses anything; `--report-held-out` measures
questions.yaml and holdout2.yaml once the choice is made.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bot.adapters.semantic.e5 import E5Encoder
from bot.content.loader import load_content
from bot.core.content import Intent
from bot.core.matching.decision import NAMES, Fusion
from bot.core.matching.matcher import Matcher
from bot.evaluation import Item, evaluate, split_folds

ROOT = Path(__file__).resolve().parent.parent
DEV = "situations_dev.yaml"  # the development set: chooses the thresholds, nothing else


def _row(ranked: Any, expected: str | None, fold: int = -1) -> dict:
    return {"fold": fold, "expected": expected, "best": ranked.topics[0],
            "top3": ranked.topics[:3], "x": ranked.features}


def cross_fitted(intents: dict[str, Intent], encoder: Any, folds: int = 5) -> list[dict]:
    """Each phrasing's features from a matcher built on the other folds (the split of
    `vigie eval --cross-validate`)."""
    rows = []
    for fold, (trained, test) in enumerate(split_folds(intents, folds)):
        matcher = Matcher(trained, encoder=encoder)
        for item in test:
            ranked = matcher.fused(item.question)
            if ranked is not None:
                rows.append(_row(ranked, item.topic, fold))
        print(f"fold {fold}: {len(test)} phrasings", flush=True)
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Logistic regression by Newton's method (the bias last, not penalised)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = np.diag([l2] * (xb.shape[1] - 1) + [0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-xb @ w))
        gradient = xb.T @ (p - y) / len(y) + penalty @ w
        hessian = (xb * (p * (1 - p))[:, None]).T @ xb / len(y) + penalty + 1e-9 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return w


def prob(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ w)))


def figures(rows: list[dict], p_right: np.ndarray, p_in: np.ndarray, answer: float,
            in_scope: float) -> dict[str, float]:
    decision = np.where(p_in < in_scope, "fallback", np.where(p_right >= answer, "answer",
                                                               "clarify"))
    expected = [r["expected"] for r in rows]
    inside = np.array([e is not None for e in expected])
    right = np.array([r["best"] == r["expected"] for r in rows])
    top3 = np.array([r["expected"] in r["top3"] for r in rows])
    return {
        "direct": float(np.mean((decision == "answer") & right & inside) / np.mean(inside)),
        "clarify": float(np.mean((decision == "clarify") & inside) / np.mean(inside)),
        "top1": float(np.mean((decision != "fallback") & right & inside) / np.mean(inside)),
        "top3": float(np.mean(top3 & inside) / np.mean(inside)),
        "oos": float(np.mean((decision == "fallback") & ~inside) / np.mean(~inside)),
        "wrong": float(np.mean((decision == "answer") & ~(right & inside))),
    }


def dev_rows(matcher: Matcher, items: list[dict[str, Any]]) -> list[dict]:
    """The development set scored by the matcher built on every phrasing."""
    rows = []
    for item in items:
        ranked = matcher.fused(str(item["q"]))
        if ranked is not None:
            rows.append(_row(ranked, item["topic"]))
    return rows


def choose_on_dev(rows: list[dict], answer_w: np.ndarray, in_scope_w: np.ndarray,
                  max_wrong: float) -> tuple[float, float, dict[str, float]]:
    """The most direct answers on the development set with wrong answers at most
    `max_wrong`, top-1 at least 94 % and out-of-scope rejection at least 90 %; ties go to
    the better top-1, then rejection, then the higher answer and lower in-scope threshold."""
    x = np.array([r["x"] for r in rows])
    p_right, p_in = prob(answer_w, x), prob(in_scope_w, x)
    found = []
    for in_scope in np.arange(0.30, 0.99, 0.02):
        for answer in np.arange(0.30, 0.99, 0.02):
            f = figures(rows, p_right, p_in, answer, in_scope)
            if f["oos"] >= 0.90 and f["wrong"] <= max_wrong and f["top1"] >= 0.94:
                rank = (round(f["direct"], 6), round(f["top1"], 6), round(f["oos"], 6),
                        round(float(answer), 2), -round(float(in_scope), 2))
                found.append((rank, f))
    rank, f = max(found, key=lambda z: z[0])
    return rank[3], -rank[4], f


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-wrong", type=float, default=0.01,
                        help="wrong answers allowed on the development set")
    parser.add_argument("--cache", type=Path, default=ROOT / ".pytest_cache/d/vigie/semantic-cache")
    parser.add_argument("--encoder", choices=["e5", "use"], default="e5")
    parser.add_argument("--report-held-out", action="store_true")
    args = parser.parse_args()
    content = load_content(ROOT)
    if args.encoder == "use":
        from benchmarks.compare_encoders import UseEncoder

        encoder: Any = UseEncoder(args.cache)
    else:
        encoder = E5Encoder(args.cache)
    rows = cross_fitted(dict(content.intents), encoder)
    x = np.array([r["x"] for r in rows])
    right = np.array([float(r["expected"] is not None and r["best"] == r["expected"])
                      for r in rows])
    inside = np.array([float(r["expected"] is not None) for r in rows])
    answer_w, in_scope_w = fit(x, right), fit(x, inside)
    answer_coefficients = tuple(round(float(v), 4) for v in answer_w)
    in_scope_coefficients = tuple(round(float(v), 4) for v in in_scope_w)
    print("ANSWER =", answer_coefficients)
    print("IN_SCOPE =", in_scope_coefficients)
    print("features:", ", ".join(NAMES), "+ bias")
    # The thresholds: chosen on the development set of situations, questions as members
    # type them, which cross-validation (each phrasing without its near siblings) is not.
    matcher = Matcher(content.intents, encoder=encoder, fusion=replace(
        Fusion(), answer_coefficients=answer_coefficients,
        in_scope_coefficients=in_scope_coefficients))
    dev = yaml.safe_load((ROOT / "tests" / "eval" / DEV).read_text(encoding="utf-8"))
    answer, in_scope, on_dev = choose_on_dev(dev_rows(matcher, dev), np.array(
        answer_coefficients), np.array(in_scope_coefficients), args.max_wrong)
    print(f"in_scope={in_scope:.2f} answer={answer:.2f} on {DEV}:",
          {k: round(v, 4) for k, v in on_dev.items()})
    folds = np.array([r["fold"] for r in rows])
    p_right, p_in = np.zeros(len(rows)), np.zeros(len(rows))
    for k in sorted(set(folds)):
        train = folds != k
        p_right[~train] = prob(fit(x[train], right[train]), x[~train])
        p_in[~train] = prob(fit(x[train], inside[train]), x[~train])
    print("cross-validation at these thresholds:",
          {k: round(v, 4) for k, v in figures(rows, p_right, p_in, answer, in_scope).items()})
    if args.report_held_out:
        fusion = replace(matcher.fusion, in_scope=in_scope, answer=answer)
        chosen = Matcher(content.intents, encoder=encoder, fusion=fusion)
        for name in ("questions.yaml", "holdout2.yaml"):
            raw = yaml.safe_load((ROOT / "tests" / "eval" / name).read_text(encoding="utf-8"))
            report = evaluate(chosen, [Item(str(i["q"]), i["topic"]) for i in raw])
            print(name, report.as_json())


if __name__ == "__main__":
    main()
