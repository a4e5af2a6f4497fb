"""Bot commands: French names with English aliases, one table for every adapter."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    alias: str | None
    admin: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.alias) if self.alias else (self.name,)


COMMANDS: tuple[Command, ...] = (
    Command("start", None),
    Command("aide", "help"),
    Command("notifier", "notify"),
    Command("securite", "security"),
    Command("alertes", "alerts"),
    Command("confidentialite", "privacy"),
    Command("oubli", "forget"),
    Command("langue", "language"),
    Command("pourquoi", "why"),
    Command("moi", "whoami"),
    Command("diffuser", "broadcast", admin=True),
    Command("diffusions", "broadcasts", admin=True),
    Command("reload", "recharger", admin=True),
    Command("console", None, admin=True),
)
_BY_NAME = {name: c.name for c in COMMANDS for name in c.names}
ADMIN_COMMANDS = frozenset(c.name for c in COMMANDS if c.admin)
MEMBER_COMMANDS = tuple(c for c in COMMANDS if not c.admin)


def command_language(name: str) -> str | None:
    """'fr' for a member command's French name, 'en' for its English alias, else None."""
    wanted = name.lower().split("@", 1)[0]
    for command in MEMBER_COMMANDS:
        if command.alias is None:
            continue
        if wanted == command.name:
            return "fr"
        if wanted == command.alias:
            return "en"
    return None


def canonical_command(name: str) -> str | None:
    """The French command name for `name` or its alias (case-insensitive), or None."""
    return _BY_NAME.get(name.lower().split("@", 1)[0])
