"""From a fresh clone to a bot that answers /start, as the README's "Before going live" says (#15).

`vigie init` makes the association's content, `vigie content check` stops
warning about example values, and `python -m bot run` (a real process) serves
that content through the fake Bot API.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli_support import CliError
from bot.init_content import init_content
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi
from tests.process import ROOT, stop_vigie
from tests.test_console import vigie

FLAGS = ["--name", "URPS Médecins Occitanie", "--email", "rgpd@urps-occitanie.fr",
         "--phone", "04 67 00 00 00", "--dpo", "dpo@urps-occitanie.fr",
         "--privacy-url", "https://urps-occitanie.fr/vigie"]  # fmt: skip
VOLUNTEER = 736_118_452


def test_content_check_warns_with_file_and_line_while_example_values_remain() -> None:
    result = vigie("content", "check", str(ROOT))
    assert result.returncode == 0
    warned = [line for line in result.stdout.splitlines() if "valeur d'exemple" in line]
    source = (ROOT / "content/association.yaml").read_text(encoding="utf-8").splitlines()
    lines = [int(w.split(":")[1]) for w in warned]
    assert [source[n - 1].split(":")[0].strip() for n in lines] == [
        "name", "email", "phone", "dpo", "privacy_policy_url"
    ]  # fmt: skip
    assert all(w.startswith("content/association.yaml:") for w in warned)


def test_init_copies_the_content_with_the_associations_values(tmp_path: Path) -> None:
    target = tmp_path / "vigie-content"
    result = vigie("init", str(target), *FLAGS)
    assert result.returncode == 0, result.stderr
    assert f"export VIGIE_CONTENT_DIR={target}" in result.stdout
    association = yaml.safe_load((target / "content/association.yaml").read_text("utf-8"))
    assert association["name"] == "URPS Médecins Occitanie"
    assert association["contact"]["email"] == "rgpd@urps-occitanie.fr"
    assert association["contact"]["phone"] == "04 67 00 00 00"
    assert association["dpo"] == "dpo@urps-occitanie.fr"
    assert association["privacy_policy_url"] == "https://urps-occitanie.fr/vigie"
    assert "# Settings that belong to the association" in (
        target / "content/association.yaml"
    ).read_text("utf-8")  # the comments an editor needs are kept
    check = vigie("content", "check", str(target))
    assert check.returncode == 0, check.stdout
    assert "valeur d'exemple" not in check.stdout and "avertissement" not in check.stdout


def test_init_never_overwrites_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = vigie("init", str(target), *FLAGS)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"vigie: {target} existe déjà : choisissez un dossier qui n'existe pas encore "
        "(vigie init n'écrase rien)"
    )
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_without_a_terminal_missing_values_are_named_and_nothing_is_made(tmp_path: Path) -> None:
    target = tmp_path / "c"
    result = vigie("init", str(target), "--name", "URPS")
    assert result.returncode == 2
    assert "--email, --phone, --privacy-url" in result.stderr
    assert not target.exists()
    bad = vigie("init", str(target), *FLAGS[:2], "--email", "pas-une-adresse", *FLAGS[4:])
    assert bad.returncode == 2 and "n'est pas une adresse e-mail" in bad.stderr
    assert not target.exists()


def test_values_are_asked_once_and_again_only_when_invalid(tmp_path: Path) -> None:
    answers = iter(["URPS Bretagne", "rgpd-urps", "rgpd@urps-bretagne.fr", "02 99 00 00 00",
                    "", "https://urps-bretagne.fr/confidentialite"])  # fmt: skip
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    assert init_content(tmp_path / "c", {}, ask, io.StringIO()) == 0
    assert len(asked) == 6 and asked[2].startswith("« rgpd-urps » n'est pas une adresse e-mail")
    association = yaml.safe_load((tmp_path / "c/content/association.yaml").read_text("utf-8"))
    assert association["dpo"] is None  # no DPO: the answers say so
    with pytest.raises(CliError):
        init_content(tmp_path / "c", {}, ask, io.StringIO())


async def test_before_going_live_from_init_to_a_bot_that_answers_start(tmp_path: Path) -> None:
    content_dir = tmp_path / "vigie-content"
    assert vigie("init", str(content_dir), *FLAGS).returncode == 0
    assert vigie("content", "check", str(content_dir)).returncode == 0
    log = tmp_path / "vigie.log"
    async with FakeBotApi() as api:
        env = dict(
            {k: v for k, v in os.environ.items() if not k.startswith(("VIGIE_", "TELEGRAM_"))},
            TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_BASE_URL=api.base_url,
            VIGIE_DB=str(tmp_path / "data" / "vigie.db"), VIGIE_CONTENT_DIR=str(content_dir),
            VIGIE_ADMIN_IDS=str(VOLUNTEER), PTB_TIMEDELTA="true", VIGIE_CONSOLE_PORT="0",
            VIGIE_SEMANTIC="off",  # a fresh folder: no phrasing vectors, none needed here
        )  # fmt: skip
        (tmp_path / "data").mkdir(mode=0o700)
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
                stdout=sink, stderr=sink,
            )  # fmt: skip
            try:
                for _ in range(300):
                    if api.calls_to("getUpdates"):
                        break
                    await asyncio.sleep(0.05)
                assert api.calls_to("getUpdates"), log.read_text()
                api.message(VOLUNTEER, "/start")
                api.message(VOLUNTEER, "/moi")
                for _ in range(200):
                    if len(api.sent(chat_id=VOLUNTEER)) >= 2:
                        break
                    await asyncio.sleep(0.05)
            finally:
                await stop_vigie(process)
        texts = api.sent_texts(chat_id=VOLUNTEER)
    assert len(texts) == 2, log.read_text()
    assert "URPS Médecins Occitanie" in texts[0]
    assert f"{VOLUNTEER}" in texts[1] and "VIGIE_ADMIN_IDS" in texts[1]
    output = log.read_text()
    assert "Vigie started" in output and "valeur d'exemple" not in output
    assert "Traceback" not in output and str(VOLUNTEER) not in output


def test_vigie_run_warns_about_example_values_at_start(tmp_path: Path) -> None:
    # The shipped content, a database in a folder that cannot be created: the warnings
    # come before the start-up check fails, so no bot needs to run.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = vigie("run", env={"TELEGRAM_BOT_TOKEN": "1:X", "VIGIE_SECRET": "s" * 32,
                               "VIGIE_DB": str(blocker / "vigie.db")})  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("valeur d'exemple") == 5
