"""Add one phrasing to a topic's intent file, keeping the editors' comments and layout.

ruamel.yaml's round trip rewrites every file under intents/ byte for byte when nothing
changes (tests/test_web_inbox.py proves it); the new phrasing goes at the end of the
topic's list for that language, double-quoted like its neighbours. The caller checks
the result with the content check and puts the old text back if it is refused.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString


class IntentEditError(Exception):
    """Why the phrasing could not be added, in one French sentence."""


@dataclass(frozen=True)
class Edit:
    path: Path
    before: str
    after: str

    def undo(self) -> None:
        self.path.write_text(self.before, encoding="utf-8")


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long phrasing
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def round_trip(text: str) -> str:
    yaml = _yaml()
    out = io.StringIO()
    yaml.dump(yaml.load(text), out)
    return out.getvalue()


def add_phrasing(root: Path, topic: str, lang: str, phrasing: str) -> Edit:
    phrasing = " ".join(phrasing.split())
    if not phrasing:
        raise IntentEditError("la formulation est vide")
    for path in sorted((root / "intents").glob("*.yaml")):
        before = path.read_text(encoding="utf-8")
        yaml = _yaml()
        try:
            data = yaml.load(before)
        except YAMLError as exc:
            raise IntentEditError(f"{path.name} n'est pas du YAML valide ({exc})") from exc
        intents = data.get("intents") if isinstance(data, CommentedMap) else None
        if not isinstance(intents, CommentedMap) or topic not in intents:
            continue
        entry = intents[topic]
        if not isinstance(entry, CommentedMap):
            raise IntentEditError(f"{path.name} : le sujet {topic} n'a pas la forme attendue")
        examples = entry.get(lang)
        if examples is None:
            examples = entry[lang] = CommentedSeq()
        if any(" ".join(str(e).split()).casefold() == phrasing.casefold() for e in examples):
            raise IntentEditError(f"cette formulation figure déjà dans {topic} ({path.name})")
        examples.append(DoubleQuotedScalarString(phrasing))
        out = io.StringIO()
        yaml.dump(data, out)
        path.write_text(out.getvalue(), encoding="utf-8")
        return Edit(path, before, out.getvalue())
    raise IntentEditError(f"aucun fichier de intents/ ne définit le sujet {topic}")
