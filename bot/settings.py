"""Settings from the environment: the only module that reads it.

Every malformed value becomes one clear sentence (exit code 2 in the CLI),
never a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from bot.core.limits import MAX_MESSAGES_PER_SECOND

WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{32,256}")


class SettingsError(Exception):
    """A configuration problem, phrased for the operator."""


@dataclass(frozen=True)
class Settings:
    token: str | None
    api_base_url: str | None
    db_path: Path
    secret: str | None
    admin_ids: frozenset[int]
    content_dir: Path | None
    unmatched_log: bool
    webhook_secret: str | None
    broadcast_rate: float
    flood_limit: int
    flood_window: float
    console_url: str = "http://127.0.0.1:8787"
    console_host: str = "127.0.0.1"
    console_port: int = 8787  # 0: no web console
    # Whether VIGIE_DB was given (`vigie chat` keeps nothing on disk unless it was).
    db_configured: bool = False
    semantic: bool = True

    @property
    def key_file(self) -> Path:
        return self.db_path.parent / "vigie.key"

    @property
    def semantic_cache(self) -> Path:
        """The content's phrasing vectors, next to the database (see docs/matching.md)."""
        return self.db_path.parent / "semantic-cache"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        db = env.get("VIGIE_DB") or str(Path(platformdirs.user_data_dir("vigie")) / "vigie.db")
        content = env.get("VIGIE_CONTENT_DIR")
        if content and not Path(content).is_dir():
            raise SettingsError(f"VIGIE_CONTENT_DIR={content} is not a folder")
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=_api_base_url(env.get("TELEGRAM_API_BASE_URL") or None),
            db_path=Path(db).expanduser(),
            secret=env.get("VIGIE_SECRET") or None,
            admin_ids=_admin_ids(env.get("VIGIE_ADMIN_IDS", "")),
            content_dir=Path(content) if content else None,
            unmatched_log=_flag(env, "VIGIE_UNMATCHED_LOG"),
            webhook_secret=_webhook_secret(env.get("VIGIE_WEBHOOK_SECRET") or None),
            broadcast_rate=_rate(env.get("VIGIE_BROADCAST_RATE", "25")),
            flood_limit=_positive_int(env, "VIGIE_FLOOD_LIMIT", 20),
            flood_window=float(_positive_int(env, "VIGIE_FLOOD_WINDOW", 10)),
            console_url=_console_url(env.get("VIGIE_CONSOLE_URL", "")),
            console_host=env.get("VIGIE_CONSOLE_HOST") or "127.0.0.1",
            console_port=_port(env.get("VIGIE_CONSOLE_PORT", "8787")),
            db_configured=bool(env.get("VIGIE_DB")),
            semantic=_on_off(env, "VIGIE_SEMANTIC"),
        )


def _webhook_secret(value: str | None) -> str | None:
    """Telegram's secret-token header: 1-256 of A-Z a-z 0-9 _ -; Vigie wants 32 at least."""
    if value is not None and not WEBHOOK_SECRET.fullmatch(value):
        raise SettingsError(
            "VIGIE_WEBHOOK_SECRET must be 32 to 256 characters among A-Z, a-z, 0-9, _ and - "
            "(for example the output of `openssl rand -hex 24`), or unset to derive one"
        )
    return value


def _api_base_url(value: str | None) -> str | None:
    """The token travels in the URL: plain http only to a server on this machine."""
    if value is None:
        return None
    parts = urlsplit(value)
    local = parts.hostname in {"localhost", "127.0.0.1", "::1"} or (
        parts.hostname or ""
    ).startswith("127.")
    if parts.scheme == "https" or (parts.scheme == "http" and local):
        return value
    raise SettingsError(
        "TELEGRAM_API_BASE_URL must start with https:// (plain http:// is allowed only "
        "for a server on this machine, such as 127.0.0.1), since the bot token is part "
        "of every request"
    )


def _admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise SettingsError(
                f"VIGIE_ADMIN_IDS must list numeric Telegram user ids separated by commas "
                f"(e.g. 12345,67890), not {part!r}"
            )
        ids.add(int(part))
    return frozenset(ids)


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in {"", "0", "false", "no", "off"}:
        return False
    if value in {"1", "true", "yes", "on"}:
        return True
    raise SettingsError(f"{name} must be 1 or 0, not {value!r}")


def _on_off(env: Mapping[str, str], name: str) -> bool:
    """A switch that is on unless turned off."""
    value = env.get(name, "").strip().lower()
    if value in {"", "1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be on or off, not {value!r}")


def _rate(raw: str) -> float:
    try:
        rate = float(raw)
    except ValueError:
        raise SettingsError(
            f"VIGIE_BROADCAST_RATE must be a number of messages per second, not {raw!r}"
        ) from None
    if not 0 < rate <= MAX_MESSAGES_PER_SECOND:
        raise SettingsError(
            f"VIGIE_BROADCAST_RATE must be between 0 and "
            f"{MAX_MESSAGES_PER_SECOND} (Telegram's limit), not {raw}"
        )
    return rate


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)


def _console_url(raw: str) -> str:
    url = raw.strip().rstrip("/") or "http://127.0.0.1:8787"
    if not url.startswith(("http://", "https://")) or " " in url:
        raise SettingsError(
            f"VIGIE_CONSOLE_URL must be the console's public address starting with https:// "
            f"(or http:// on this machine only), not {raw!r}"
        )
    return url


def _port(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 65535:
        raise SettingsError(
            f"VIGIE_CONSOLE_PORT must be a port number (0 turns the web console off), not {raw!r}"
        )
    return int(raw)
