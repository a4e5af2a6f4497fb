"""`vigie unmatched` grouping time, and redaction on the worst texts (security review L4, M6).

Rows are distinct questions built from the real French phrasings with three
random extra words each, as a flood of near-miss questions would look. The
baseline, measured in the same run, is the grouping Vigie used before (every
question against every group: quadratic), on fewer rows.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from bot.content.loader import load_content
from bot.core.matching.text import normalise
from bot.core.patient_data import MAX_SCANNED_CHARS, redact
from bot.storage.unmatched_groups import group_questions

ROOT = Path(__file__).resolve().parent.parent


def questions(count: int, seed: int = 1) -> list[tuple[str, str]]:
    content = load_content(ROOT, exhaustive=False)
    phrasings = [p for i in content.intents.values() for p in i.examples.get("fr", ())]
    words = sorted({w for p in phrasings for w in p.split() if w.isalpha()})
    rng = random.Random(seed)
    return [
        (f"{rng.choice(phrasings)} {' '.join(rng.sample(words, 3))} {i}", "fr")
        for i in range(count)
    ]


def quadratic(rows: list[tuple[str, str]], similarity: float = 70.0) -> list[int]:
    """The grouping `vigie unmatched` used to do (every question against every group):
    the group sizes, largest first. The baseline here, the reference in the tests."""
    groups: list[tuple[str, int]] = []
    for text, _ in rows:
        norm = normalise(text)
        for i, (g_norm, count) in enumerate(groups):
            if fuzz.token_set_ratio(norm, g_norm) >= similarity:
                groups[i] = (g_norm, count + 1)
                break
        else:
            groups.append((norm, 1))
    return sorted((c for _, c in groups), reverse=True)


def _seconds(action: Any) -> float:
    started = time.perf_counter()
    action()
    return round(time.perf_counter() - started, 3)


def run(quick: bool = False) -> dict[str, Any]:
    sizes = (200, 400) if quick else (1000, 4000, 10_000)
    baseline_size = 200 if quick else 1000
    rows = questions(max(sizes))
    result: dict[str, Any] = {
        "grouping_s": {n: _seconds(lambda n=n: group_questions(rows[:n])) for n in sizes},
        "quadratic_baseline_s": {baseline_size: _seconds(lambda: quadratic(rows[:baseline_size]))},
    }
    worst = {
        "letters": "a" * MAX_SCANNED_CHARS,
        "digits": "1 2 3 4 x " * (MAX_SCANNED_CHARS // 10),
        "titles": "M " * (MAX_SCANNED_CHARS // 2),
    }
    result["redact_worst_ms"] = max(
        round(_seconds(lambda t=t: redact(t)) * 1000, 2) for t in worst.values()
    )
    return result


if __name__ == "__main__":
    print(run())
