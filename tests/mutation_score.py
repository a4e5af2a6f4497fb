"""`make mutation`'s summary: the score of the selected mutants, survivors to a file.

    python -m tests.mutation_score OUT PATTERN...

Reads `mutmut results --all true`; counts the mutants whose name matches a PATTERN
(fnmatch). A timeout counts as killed (the mutant made a test loop or hang); a mutant
not checked (the time limit stopped the run first) is reported, not counted as killed.
A survivor proven equivalent by reading its code (an SQL statement whose letter case
alone changed: `tests/mutation_equivalents.py`) is not counted: the score is
killed / (checked - equivalent), and the equivalents are listed in OUT too.
"""

from __future__ import annotations

import fnmatch
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.mutation_equivalents import is_sql_case_mutant

EQUIVALENT = "equivalent (SQL letter case only)"


def main(out: str, patterns: list[str]) -> int:
    listing = subprocess.run(
        [str(Path(sys.executable).with_name("mutmut")), "results", "--all", "true"],
        capture_output=True, text=True, check=False,
    ).stdout
    statuses: dict[str, str] = {}
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name and any(fnmatch.fnmatchcase(name, p) for p in patterns):
            statuses[name] = status
    for name, status in statuses.items():
        if status == "survived" and is_sql_case_mutant(name):
            statuses[name] = EQUIVALENT
    counts = Counter(statuses.values())
    survivors = sorted(n for n, s in statuses.items() if s not in {"killed", "timeout"})
    Path(out).write_text("".join(f"{n}: {statuses[n]}\n" for n in survivors), encoding="utf-8")
    checked = len(statuses) - counts["not checked"]
    killed = counts["killed"] + counts["timeout"]
    counted = checked - counts[EQUIVALENT]
    print(f"{len(statuses)} mutants selected, {checked} checked: {dict(counts)}")
    print(f"survivors, equivalents and unchecked mutants: {out}")
    share = 100 * killed / counted if counted else 0.0
    print(f"not counted: {counts[EQUIVALENT]} survivors proven equivalent (SQL letter case only)")
    print(f"mutation score: {killed}/{counted} killed ({share:.1f} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2:]))
