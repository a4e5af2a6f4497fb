"""What the `vigie` command and the programs it starts share.

`bot.cli` starts `bot.tools`, `bot.broadcast.cli` and the Telegram runner; they
all raise `CliError` and find the content folder the same way. These live here,
below all of them, so that no module imports the one that starts it.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.content.loader import default_content_root
from bot.settings import Settings


class CliError(Exception):
    """A problem the operator must fix; printed as one sentence with exit code 2."""


def content_root(settings: Settings | None) -> Path:
    if settings is not None and settings.content_dir is not None:
        return settings.content_dir
    return default_content_root()


def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False))
