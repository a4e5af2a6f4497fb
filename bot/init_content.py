"""`vigie init DIR`: a copy of the shipped content to edit, with the association's values.

The first hour of an operator: copy the content somewhere it survives upgrades,
put the association's name, e-mail, phone, DPO and privacy page in
`content/association.yaml`, and point VIGIE_CONTENT_DIR at it. Values are
asked once in a terminal, or given as flags (scripts, tests). An existing DIR
is never overwritten.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.cli_support import CliError
from bot.content.example_values import ASSOCIATION_FILE, example_values
from bot.content.loader import default_content_root, load_root

Ask = Callable[[str], str]


@dataclass(frozen=True)
class Field:
    flag: str
    question: str
    pattern: str  # the line of association.yaml it replaces
    optional: bool = False

    def valid(self, value: str) -> str | None:
        """None if `value` is acceptable, else why not (one sentence)."""
        if not value:
            return None if self.optional else "une valeur est nécessaire"
        if self.flag == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            return f"« {value} » n'est pas une adresse e-mail"
        if self.flag == "privacy_url" and not value.startswith("https://"):
            return f"« {value} » doit être une adresse https://"
        return None


FIELDS = (
    Field("name", "Nom de l'association", r"^name: .*$"),
    Field("email", "E-mail de contact RGPD", r"^  email: .*$"),
    Field("phone", "Téléphone de contact", r"^  phone: .*$"),
    Field("dpo", "E-mail du DPO (laisser vide s'il n'y en a pas)", r"^dpo: .*$", optional=True),
    Field("privacy_url", "Adresse de la politique de confidentialité (https://…)",
          r"^privacy_policy_url: .*$"),
)  # fmt: skip


def gather(given: dict[str, str | None], ask: Ask | None) -> dict[str, str]:
    """Flags first; what is missing is asked (once, again only if invalid) or refused."""
    values: dict[str, str] = {}
    missing = []
    for field in FIELDS:
        value = given.get(field.flag)
        if value is None and ask is not None:
            value = ask(f"{field.question} : ").strip()
            while (problem := field.valid(value)) is not None:
                value = ask(f"{problem}. {field.question} : ").strip()
        if value is None:
            if not field.optional:
                missing.append("--" + field.flag.replace("_", "-"))
            value = ""
        elif (problem := field.valid(value.strip())) is not None:
            raise CliError(f"--{field.flag.replace('_', '-')} : {problem}")
        values[field.flag] = value.strip()
    if missing:
        raise CliError(
            "sans terminal, donnez les valeurs de l'association : " + ", ".join(missing)
        )
    return values


def fill(text: str, values: dict[str, str]) -> str:
    for field in FIELDS:
        value = values[field.flag]
        key = field.pattern[1:].split(":")[0]  # "name", "  email", ...
        quoted = json.dumps(value, ensure_ascii=False) if value else "null"
        text, count = re.subn(field.pattern, f"{key}: {quoted}", text, count=1, flags=re.M)
        if count != 1:
            raise CliError(f"{ASSOCIATION_FILE} : la ligne « {key.strip()}: » est introuvable")
    return text


def init_content(
    target: Path,
    given: dict[str, str | None],
    ask: Ask | None = None,
    out: TextIO | None = None,
    source: Path | None = None,
) -> int:
    out = out or sys.stdout
    if target.exists():
        raise CliError(f"{target} existe déjà : choisissez un dossier qui n'existe pas encore "
                       "(vigie init n'écrase rien)")
    source = source or default_content_root()
    values = gather(given, ask)
    association = (source / ASSOCIATION_FILE).read_text(encoding="utf-8")
    filled = fill(association, values)
    try:
        target.mkdir(parents=True)
        for folder in ("content", "intents"):
            shutil.copytree(source / folder, target / folder,
                            ignore=shutil.ignore_patterns("__pycache__"))
        (target / ASSOCIATION_FILE).write_text(filled, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"impossible d'écrire dans {target} : {exc.strerror or exc}") from exc
    _, problems = load_root(target, exhaustive=False)
    errors = [p for p in problems if not p.warning]
    if errors:  # a value the YAML refuses: say where, the operator fixes it by hand
        raise CliError("contenu créé mais refusé :\n" + "\n".join(str(p) for p in errors))
    left = example_values(target)
    out.write(
        f"Contenu créé dans {target}.\n"
        + "".join(f"{p}\n" for p in left)
        + "Ensuite :\n"
        f"  export VIGIE_CONTENT_DIR={target.resolve()}\n"
        "  vigie content check\n"
        "  vigie run\n"
    )
    return 0


def terminal_ask() -> Ask | None:
    """`input` when a person is at the keyboard, else None (flags only)."""
    return input if sys.stdin.isatty() else None
