"""The benchmarks run (tiny sizes); their figures are for `make bench`, never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "name",
    ["bench_matching", "bench_scale", "bench_e2e", "bench_startup", "bench_broadcast",
     "bench_unmatched", "bench_semantic"],
)
def test_benchmark_runs_quickly(name: str, tmp_path: Path) -> None:
    code = (f"import json; from benchmarks import {name} as b; "
            f"print(json.dumps(b.run(quick=True)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=240,
                         env={"PTB_TIMEDELTA": "true", "PATH": "/usr/bin:/bin",
                              "HOME": str(tmp_path)})
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result
