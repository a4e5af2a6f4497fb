"""Docs that cannot drift: every command is in /aide, in the README and registered."""

from __future__ import annotations

from pathlib import Path

from bot.core.commands import COMMANDS, MEMBER_COMMANDS
from bot.core.content import Content

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme() -> None:
    for command in COMMANDS:
        for name in command.names:
            assert f"/{name}" in README, name


def test_every_member_command_is_in_the_help_answer(content: Content) -> None:
    for lang in ("fr", "en"):
        text = content.answers["bot.help"].in_lang(lang).text
        for command in MEMBER_COMMANDS:
            if command.name == "start":
                continue
            name = command.name if lang == "fr" else (command.alias or command.name)
            assert f"/{name}" in text, (lang, name)


def test_every_cli_command_is_in_the_readme() -> None:
    for command in ["vigie init", "vigie chat", "vigie run", "vigie ask", "vigie content check",
                    "vigie eval", "vigie flow run", "vigie flow graph", "vigie stats",
                    "vigie unmatched",
                    "vigie broadcast send", "make run", "make test", "make bench"]:
        assert command in README, command


def test_every_image_the_readme_shows_exists() -> None:
    import re

    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert "docs/console/overview.png" in images
    root = Path(__file__).resolve().parent.parent
    assert [i for i in images if not (root / i).is_file()] == []
