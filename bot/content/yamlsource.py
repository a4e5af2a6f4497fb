"""Read YAML for non-programmers: positions kept, surprises turned into clear errors.

PyYAML silently keeps the last of two duplicated keys and turns an unquoted
`no` into False. We compose the node tree ourselves so that every value keeps
its line, a duplicated key cites both lines, and the validator can say "put
the text in quotes" where a boolean appeared instead of text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.content.errors import Problem

Location = tuple[str | int, ...]


@dataclass
class YamlDocument:
    path: str
    data: Any
    # Location (tuple of keys and indexes) -> 1-based (line, column).
    positions: dict[Location, tuple[int, int]] = field(default_factory=dict)
    # Locations of plain (unquoted) scalars that YAML typed as non-text.
    unquoted: set[Location] = field(default_factory=set)

    def line_of(self, location: Location) -> tuple[int, int]:
        """The position of the deepest known prefix of `location`."""
        for end in range(len(location), -1, -1):
            found = self.positions.get(tuple(location[:end]))
            if found:
                return found
        return (1, 1)

    def problem(self, location: Location, message: str, *, warning: bool = False) -> Problem:
        line, column = self.line_of(location)
        return Problem(self.path, line, column, message, warning=warning)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, doc: YamlDocument, problems: list[Problem]):
        self.loader = loader
        self.doc = doc
        self.problems = problems

    def build(self, node: yaml.Node, location: Location) -> Any:
        self.doc.positions[location] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, location)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*location, i)) for i, child in enumerate(node.value)]
        value = self.loader.construct_object(node, deep=True)
        if isinstance(node, yaml.ScalarNode) and node.style is None and not isinstance(value, str):
            self.doc.unquoted.add(location)
        return value

    def _mapping(self, node: yaml.MappingNode, location: Location) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            if isinstance(key, bool) or key is None:
                key = key_node.value  # `no:` / `yes:` / `~:` as keys mean the text
            if not isinstance(key, str | int):
                line, column = _mark(key_node)
                self.problems.append(
                    Problem(
                        self.doc.path, line, column, "clé invalide : une clé doit être un texte"
                    )
                )
                continue
            key = str(key)
            line = key_node.start_mark.line + 1
            if key in first_line:
                self.problems.append(
                    Problem(
                        self.doc.path,
                        line,
                        key_node.start_mark.column + 1,
                        f"clé « {key} » en double (déjà définie ligne {first_line[key]}) : "
                        "gardez une seule définition",
                    )
                )
                continue
            first_line[key] = line
            result[key] = self.build(value_node, (*location, key))
            self.doc.positions[(*location, key)] = (line, key_node.start_mark.column + 1)
        return result


def parse_yaml(text: str, path: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML text; never raises, returns the problems instead."""
    problems: list[Problem] = []
    if not text.strip():
        return None, [Problem(path, 1, 1, "fichier vide : il doit contenir des données YAML")]
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(path, 1, 1, "fichier vide : il doit contenir des données YAML")]
        doc = YamlDocument(path, None)
        doc.data = _Builder(loader, doc, problems).build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "syntaxe YAML invalide"
        hint = _hint(what)
        return None, [Problem(path, line, column, f"YAML invalide : {what}{hint}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, 1, f"YAML invalide : {exc}")]
    finally:
        loader.dispose()
    return doc, problems


def _hint(problem: str) -> str:
    if "tab" in problem:
        return " (indentez avec des espaces, pas des tabulations)"
    if "mapping values are not allowed" in problem:
        return " (un « : » dans un texte : mettez le texte entre guillemets)"
    if "expected <block end>" in problem or "indentation" in problem:
        return " (vérifiez l'indentation de cette ligne et de la précédente)"
    return ""


def read_yaml(path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            Problem(display, 1, 1, f"fichier illisible : encodez-le en UTF-8 ({exc.reason})")
        ]
    except OSError as exc:
        return None, [Problem(display, 1, 1, f"fichier illisible : {exc.strerror}")]
    return parse_yaml(text, display)
