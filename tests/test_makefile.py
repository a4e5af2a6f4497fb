"""`make run` with the wrong Python: one sentence first, and a stale .venv rebuilt (#15).

A copy of the Makefile and its helper runs with fake interpreters on PATH:
shell scripts that report a version and, asked for `-m venv DIR`, make a
virtualenv whose `pip` and `vigie` only record that they ran. Nothing is
installed and no network is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FAKE_PYTHON = """#!/bin/sh
# A fake Python {version}: enough of `python -c`, `-m venv` and `-m pip` for the Makefile.
case "$1" in
  -c) echo {version} ;;
  -m) if [ "$2" = venv ]; then
        mkdir -p "$3/bin"
        cp "$0" "$3/bin/python"
        printf '#!/bin/sh\\necho pip "$@" >> "%s/log"\\n' "$3" > "$3/bin/pip"
        printf '#!/bin/sh\\necho vigie "$@" >> "%s/log"\\n' "$3" > "$3/bin/vigie"
        chmod +x "$3/bin/pip" "$3/bin/vigie"
      fi ;;
esac
"""


def project(tmp_path: Path) -> Path:
    root = tmp_path / "vigie"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "Makefile", root)
    shutil.copy(ROOT / "pyproject.toml", root)
    shutil.copy(ROOT / "scripts" / "venv-python.sh", root / "scripts")
    return root


def fake_python(bin_dir: Path, name: str, version: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text(FAKE_PYTHON.format(version=version))
    path.chmod(0o755)


def make(root: Path, bin_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin")
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(["make", "-s", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


@pytest.fixture
def machine(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    return project(tmp_path), tmp_path / "bin"


def test_python_310_gets_one_sentence_saying_what_to_install_and_run(
    machine: tuple[Path, Path],
) -> None:
    root, bin_dir = machine
    fake_python(bin_dir, "python3", "3.10")
    result = make(root, bin_dir, "run")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert lines == [
        "Vigie needs Python 3.11 or newer but python3 is 3.10: install python3.11 and "
        "python3.11-venv (Debian/Ubuntu: sudo apt install python3.11 python3.11-venv), "
        "then run: make run PYTHON=python3.11"
    ]
    assert not (root / ".venv").exists()  # nothing half-made for the next try to trip on


def test_a_venv_made_by_an_older_python_is_rebuilt_with_the_one_asked_for(
    machine: tuple[Path, Path],
) -> None:
    root, bin_dir = machine
    fake_python(bin_dir, "python3.11", "3.11")
    stale = root / ".venv" / "bin"
    fake_python(stale, "python", "3.10")  # what an earlier `make run` with 3.10 left
    (root / ".venv" / ".installed-run").touch()
    result = make(root, bin_dir, "run", "PYTHON=python3.11")
    assert result.returncode == 0, result.stderr
    assert "was made by Python 3.10; rebuilding it with python3.11 (3.11)" in result.stdout
    log = (root / ".venv" / "log").read_text().splitlines()
    assert log[0].startswith("pip install") and log[-1] == "vigie chat"
    # the next run keeps the rebuilt .venv, even with the old python3 first on PATH
    fake_python(bin_dir, "python3", "3.10")
    again = make(root, bin_dir, "run")
    assert again.returncode == 0, again.stderr
    assert "rebuilding" not in again.stdout
    assert (root / ".venv" / "log").read_text().splitlines()[-1] == "vigie chat"
