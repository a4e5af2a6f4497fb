"""`vigie chat` driven through standard input, and the CLI's configuration errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def vigie(*args: str, stdin: str = "", env: dict[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("VIGIE_", "TELEGRAM_"))}
    # No phrasing vectors in these fresh folders: the console tests need no encoder.
    environment["VIGIE_SEMANTIC"] = "off"
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, timeout=60, cwd=cwd or ROOT, env=environment)


def test_piped_conversation_ends_cleanly_at_end_of_input(tmp_path: Path) -> None:
    result = vigie("chat", stdin="/start\n1\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Vigie" in out and "[1] 🚨 Dois-je notifier la CNIL ?" in out
    assert "Question 1" in out  # button 1 started the breach flow
    assert "Traceback" not in result.stderr


def test_numbers_press_buttons_and_text_asks_questions(tmp_path: Path) -> None:
    script = "combien de temps pour notifier la cnil apres une fuite ?\n1\n/oubli\n"
    result = vigie("chat", stdin=script, cwd=tmp_path)
    assert result.returncode == 0
    assert "72 heures" in result.stdout
    assert "Sources :" in result.stdout
    assert "C'est fait" in result.stdout  # /oubli


def test_english_console(tmp_path: Path) -> None:
    result = vigie("chat", "--lang", "en", stdin="/start\n", cwd=tmp_path)
    assert "Must I notify the CNIL?" in result.stdout


def test_alerts_are_explained_in_the_console(tmp_path: Path) -> None:
    result = vigie("chat", stdin="/alertes\n", cwd=tmp_path)
    assert "Telegram" in result.stdout


def test_missing_token_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    result = vigie("run", env={"VIGIE_DB": str(tmp_path / "v.db")})
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_malformed_variable_is_one_sentence_and_exit_2() -> None:
    result = vigie("ask", "dpo", env={"VIGIE_ADMIN_IDS": "12,abc"})
    assert result.returncode == 2
    assert "VIGIE_ADMIN_IDS" in result.stderr and "Traceback" not in result.stderr
    result = vigie("ask", "dpo", env={"VIGIE_BROADCAST_RATE": "50"})
    assert result.returncode == 2 and "30" in result.stderr


def test_unusable_database_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = vigie("run", env={"TELEGRAM_BOT_TOKEN": "1:X", "VIGIE_SECRET": "s" * 32,
                               "VIGIE_DB": str(blocker / "vigie.db")})
    assert result.returncode == 2
    assert "cannot create the folder" in result.stderr and "Traceback" not in result.stderr


def test_content_dir_override(tmp_path: Path) -> None:
    result = vigie("content", "check", str(tmp_path))
    assert result.returncode == 1
    assert "content/ et intents/" in result.stdout
    result = vigie("ask", "dpo", env={"VIGIE_CONTENT_DIR": str(tmp_path / "nope")})
    assert result.returncode == 2 and "VIGIE_CONTENT_DIR" in result.stderr
