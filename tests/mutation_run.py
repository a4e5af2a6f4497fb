"""`make mutation`'s runner: mutmut on the selected mutants, resumable, within a time cap.

    python -m tests.mutation_run SECONDS PATTERN...

The first run generates the mutants (in `mutants/`) and checks those whose name matches a
PATTERN (fnmatch). mutmut keeps each verdict, so a later run checks only the mutants left
unchecked (a run stopped by the cap resumes where it stopped); with MUTATION_RECHECK=1 it
also checks the survivors again, after new tests. When the cap is reached, mutmut is
interrupted as with Ctrl-C: the verdicts reached so far are kept.

Changing [tool.mutmut] in pyproject.toml (the test selection, say) makes mutmut reset
every verdict when it next starts, after this runner has chosen which mutants to check:
run `make mutation-clean` first after such a change.
"""

from __future__ import annotations

import fnmatch
import os
import signal
import subprocess
import sys
from pathlib import Path

RECHECKED = {"survived", "no tests"}


def mutmut() -> str:
    return str(Path(sys.executable).with_name("mutmut"))


def to_check(patterns: list[str], recheck: bool) -> list[str]:
    """Names of the selected mutants that have no verdict yet (or survived, if recheck)."""
    listing = subprocess.run(
        [mutmut(), "results", "--all", "true"], capture_output=True, text=True, check=False,
    ).stdout
    names = []
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name or not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            continue
        if status == "not checked" or (recheck and status in RECHECKED):
            names.append(name)
    return names


def run_capped(args: list[str], seconds: float) -> None:
    process = subprocess.Popen(args, start_new_session=True)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        print(f"mutation: the {seconds:.0f} s cap is reached; stopping mutmut, verdicts kept")
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main(seconds: float, patterns: list[str]) -> int:
    if not Path("mutants").is_dir():
        run_capped([mutmut(), "run", *patterns], seconds)
        return 0
    names = to_check(patterns, recheck=os.environ.get("MUTATION_RECHECK") == "1")
    if not names:
        print("mutation: every selected mutant already has a verdict (MUTATION_RECHECK=1 "
              "checks the survivors again; rm -rf mutants starts afresh)")
        return 0
    print(f"mutation: {len(names)} mutants to check")
    run_capped([mutmut(), "run", *names], seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(float(sys.argv[1]), sys.argv[2:]))
