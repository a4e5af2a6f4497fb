"""`make mutation`'s runner: mutmut on the selected mutants, resumable, within a time cap.

    python -m tests.mutation_run SECONDS PATTERN...

The first run generates the mutants (in `mutants/`) and checks those whose name matches a
PATTERN (fnmatch). mutmut keeps each verdict, so a later run checks only the mutants left
unchecked (a run stopped by the cap resumes where it stopped), after refreshing the
mutants of functions changed since (mutmut forgets their verdicts); with
MUTATION_RECHECK=1 it also checks the survivors again, after new tests (not those proven
equivalent, `tests/mutation_equivalents.py`). When the cap is
reached, mutmut is interrupted as with Ctrl-C: the verdicts reached so far are kept.

Changing the test selection or pytest's arguments in [tool.mutmut] makes mutmut reset
every verdict when it next starts, after this runner has chosen which mutants to check:
run `make mutation-clean` first after such a change. Adding a file to `only_mutate` keeps
the verdicts, but mutmut keeps its unmutated copy of the file if it made one: remove that
copy from `mutants/` first.
"""

from __future__ import annotations

import fnmatch
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.mutation_equivalents import is_sql_case_mutant

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
        if status == "not checked" or (
            recheck and status in RECHECKED and not is_sql_case_mutant(name)
        ):
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


# mutmut makes or refreshes the mutants only at the start of `mutmut run`, and a run given
# names checks those names only: a function changed since the last run, or a file newly
# added to `only_mutate`, would have no mutant to name. These are the first steps of
# mutmut 3.8's `run` (mutmut/__main__.py, `_run`), without the testing.
GENERATE = """
import os
import mutmut.__main__ as m
m.set_mutant_under_test("mutant_generation")
os.makedirs("mutants", exist_ok=True)
m.copy_src_dir()
m.copy_also_copy_files()
m.setup_source_paths()
m.store_lines_covered_by_tests()
m.create_mutants(os.cpu_count() or 2)
"""


def generate() -> None:
    """Mutants for what changed since the last run; verdicts of unchanged functions kept."""
    subprocess.run([sys.executable, "-c", GENERATE], check=True, capture_output=True)


def main(seconds: float, patterns: list[str]) -> int:
    if not Path("mutants").is_dir():
        run_capped([mutmut(), "run", *patterns], seconds)
        return 0
    generate()
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
