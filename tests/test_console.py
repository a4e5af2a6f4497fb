"""`vigie chat` driven through standard input, and the CLI's configuration errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.adapters.console import render
from bot.core.drafts.model import DraftDocument, parse
from bot.core.reply import Button, Document, Reply, rows

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


# ---------------------------------------------------------------- the operator's console (#15)


def test_with_vigie_db_the_console_keeps_what_the_bot_keeps_and_stats_see_it(
    tmp_path: Path,
) -> None:
    env = {"VIGIE_DB": str(tmp_path / "vigie.db"), "VIGIE_SECRET": "c" * 32}
    result = vigie("chat", stdin="combien de temps pour notifier la cnil ?\n", env=env)
    assert result.returncode == 0, result.stderr
    assert "enregistrée comme au bot" in result.stderr and str(tmp_path) in result.stderr
    stats = vigie("stats", "--json", env=env)
    assert stats.returncode == 0, stats.stderr
    topics = json.loads(stats.stdout)["topics"]
    assert [(topic, decision, count) for _, topic, decision, count in topics] == [
        ("breach.deadline", "answer", 1)
    ]


def test_without_vigie_db_the_console_says_it_keeps_nothing(tmp_path: Path) -> None:
    result = vigie("chat", stdin="/start\n", cwd=tmp_path)
    assert "rien n'est enregistré (VIGIE_DB n'est pas défini)" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_piped_script_is_never_flood_limited(tmp_path: Path) -> None:
    result = vigie("chat", stdin="/aide\n" * 45, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.count("Aide : que sait faire Vigie ?") == 45
    assert "doucement" not in result.stdout.lower()


def test_a_reader_that_leaves_early_ends_the_console_quietly(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIE_", "TELEGRAM"))}
    script = tmp_path / "in.txt"
    script.write_text("/start\n" * 300)
    shell = (f"{sys.executable} -m bot chat < {script} | head -n 2; "
             "exit ${PIPESTATUS[0]}")  # fmt: skip
    result = subprocess.run(["bash", "-c", shell], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert len(result.stdout.splitlines()) == 2
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.returncode == 0


def test_the_help_of_a_question_shows_its_buttons_again(tmp_path: Path) -> None:
    result = vigie("chat", stdin="/notifier\n3\n", cwd=tmp_path)
    after_help = result.stdout.split("ℹ️", 1)[1]
    assert "[1] Oui" in after_help and "[3] ?" in after_help


def test_the_console_offers_no_alert_subscription_it_cannot_deliver(tmp_path: Path) -> None:
    result = vigie("chat", stdin="/start\n", cwd=tmp_path)
    assert "Recevoir les alertes" not in result.stdout
    assert "[3] 💬 Poser une question" in result.stdout


def test_drafts_come_before_the_buttons_next_to_the_prompt(tmp_path: Path) -> None:
    verdict = Reply("Risque élevé : notifiez la CNIL.", rows([Button("☰ Menu", "1|m:menu")]))
    model = DraftDocument("register", "vigie-registre-violations-20260302.docx", "fr",
                          parse("# Notification"))  # fmt: skip
    draft = Reply("Vos brouillons :", documents=(Document(model),))
    out = io.StringIO()
    buttons = render([verdict, draft], out, tmp_path)
    text = out.getvalue()
    path = tmp_path / "vigie-registre-violations-20260302.docx"
    assert path.is_file()
    assert text.index(f"[document : {path}]") < text.index("[1] ☰ Menu")
    assert text.rstrip().endswith("[1] ☰ Menu")
    assert [b.label for b in buttons] == ["☰ Menu"]


def test_moi_in_the_console_points_to_telegram_rather_than_a_made_up_id(tmp_path: Path) -> None:
    result = vigie("chat", stdin="/moi\n/whoami\n", cwd=tmp_path)
    assert result.stdout.count("envoyez /moi à votre bot dans Telegram") == 2
    assert "numérique : 0" not in result.stdout
