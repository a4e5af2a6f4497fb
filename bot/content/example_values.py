"""The shipped example association, still in place: a warning before going live.

Every answer quotes the association's name, e-mail and phone from
`content/association.yaml`; until they are replaced, members read those of
"Médecins Connectés (association exemple)". `vigie content check` and
`vigie run` warn, with the file and line, for each value still there.
"""

from __future__ import annotations

from pathlib import Path

from bot.content.errors import Problem

ASSOCIATION_FILE = "content/association.yaml"
# What only the shipped example contains, and what the operator should put there instead.
EXAMPLE_MARKERS: tuple[tuple[str, str], ...] = (
    ("association exemple", "le nom de votre association"),
    ("association.example", "une adresse de votre association"),
    ("01 23 45 67 89", "le téléphone de votre association"),
)


def example_values(root: Path) -> list[Problem]:
    """One warning per line of `content/association.yaml` still holding an example value."""
    path = root / ASSOCIATION_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []  # the loader reports an unreadable file itself
    problems = []
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("#"):
            continue
        for marker, wanted in EXAMPLE_MARKERS:
            column = line.find(marker)
            if column >= 0:
                problems.append(
                    Problem(
                        ASSOCIATION_FILE, number, column + 1,
                        f"valeur d'exemple « {line.strip()} » : mettez {wanted} avant la mise "
                        "en service (ou créez votre contenu avec `vigie init DOSSIER`)",
                        warning=True,
                    )
                )  # fmt: skip
                break
    return problems
