"""What the command-line modules share, below the composition root (`bot.cli`).

Modules that `bot.cli` starts (tools, runner, broadcast, init) import these
from here, never from `bot.cli` itself (issue #13).
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.content.loader import default_content_root
from bot.settings import Settings

EXIT_CONFIG = 2


class CliError(Exception):
    """A problem the operator must fix; printed as one sentence with exit code 2."""


def content_root(settings: Settings | None) -> Path:
    if settings is not None and settings.content_dir is not None:
        return settings.content_dir
    return default_content_root()


def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False))
