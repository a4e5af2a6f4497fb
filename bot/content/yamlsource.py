"""Read YAML for non-programmers: positions kept, surprises turned into clear errors.

PyYAML silently keeps the last of two duplicated keys and turns an unquoted
`no` into False. We compose the node tree ourselves so that every value keeps
its line, a duplicated key cites both lines, and the validator can say "put
the text in quotes" where a boolean appeared instead of text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.content.errors import Problem

Location = tuple[str | int, ...]

# A document may reuse a block through aliases; past this many values it is
# certainly an alias bomb, not content.
MAX_VALUES = 500_000
_PLAIN_COLLECTIONS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


@dataclass
class YamlDocument:
    path: str
    data: Any
    # Location (tuple of keys and indexes) -> 1-based (line, column).
    positions: dict[Location, tuple[int, int]] = field(default_factory=dict)
    # Locations of plain (unquoted) scalars that YAML typed as non-text.
    unquoted: set[Location] = field(default_factory=set)
    # Literal block scalars (`text: |`): location -> 1-based line of the text's first line.
    blocks: dict[Location, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

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

    def text_problem(
        self, location: Location, text_line: int, message: str, *, warning: bool = False
    ) -> Problem:
        """A problem on line `text_line` (0-based) of the text at `location`.

        Exact for literal blocks (`text: |`); otherwise the value's own line.
        """
        first = self.blocks.get(location)
        if first is None:
            return self.problem(location, message, warning=warning)
        line = first + text_line
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        column = len(source) - len(source.lstrip(" ")) + 1
        return Problem(self.path, line, column, message, warning=warning)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Invalid(Exception):
    """A value YAML cannot build; reported at the node, like a syntax error."""

    def __init__(self, node: yaml.Node, message: str):
        super().__init__(message)
        self.node = node
        self.message = message


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, doc: YamlDocument, problems: list[Problem]):
        self.loader = loader
        self.doc = doc
        self.problems = problems
        self.active: set[int] = set()  # collections being built: an alias back to one loops
        self.built = 0

    def build(self, node: yaml.Node, location: Location) -> Any:
        self.doc.positions[location] = _mark(node)
        self.built += 1
        if self.built > MAX_VALUES:
            raise _Invalid(node, f"document trop grand (plus de {MAX_VALUES} valeurs, alias ?)")
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if node.tag not in _PLAIN_COLLECTIONS:
                shown = node.tag.replace("tag:yaml.org,2002:", "!!")
                raise _Invalid(
                    node,
                    f"étiquette YAML « {shown} » refusée : retirez-la (le contenu n'utilise "
                    "que des textes, des listes et des clés)",
                )
            if id(node) in self.active:
                raise _Invalid(
                    node, "alias récursif : un bloc ne peut pas se contenir lui-même (*alias)"
                )
            self.active.add(id(node))
            try:
                if isinstance(node, yaml.MappingNode):
                    return self._mapping(node, location)
                return [self.build(child, (*location, i)) for i, child in enumerate(node.value)]
            finally:
                self.active.discard(id(node))
        value = self._construct(node)
        # A plain (unquoted) scalar's style: None from PyYAML's loader, "" from libyaml's.
        if isinstance(node, yaml.ScalarNode) and not node.style and not isinstance(value, str):
            self.doc.unquoted.add(location)
        if isinstance(node, yaml.ScalarNode) and node.style == "|":
            self.doc.blocks[location] = node.start_mark.line + 2
        return value

    def _construct(self, node: yaml.Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # PyYAML's constructors raise anything on odd values
            raise _Invalid(node, _bad_value(node)) from exc

    def _mapping(self, node: yaml.MappingNode, location: Location) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = (
                self._construct(key_node)
                if isinstance(key_node, yaml.ScalarNode)
                else key_node  # a list or mapping used as a key: never valid here
            )
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


def _bad_value(node: yaml.Node) -> str:
    value = str(node.value)[:40]
    if node.tag == "tag:yaml.org,2002:timestamp":
        return f"date impossible « {value} » : écrivez une date qui existe, au format AAAA-MM-JJ"
    kind = node.tag.rsplit(":", 1)[-1]
    return f"valeur « {value} » impossible pour le type « {kind} » : retirez « !!{kind} »"


def parse_yaml(text: str, path: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML text; never raises, returns the problems instead."""
    problems: list[Problem] = []
    if not text.strip():
        return None, [Problem(path, 1, 1, "fichier vide : il doit contenir des données YAML")]
    composed = _compose_fast(text)
    if composed is None:
        try:
            loader = yaml.SafeLoader(text)
        except yaml.reader.ReaderError as exc:
            return None, [_unprintable(path, text, exc)]
    else:
        loader = composed[0]
    try:
        node = loader.get_single_node() if composed is None else composed[1]
        if node is None:
            return None, [Problem(path, 1, 1, "fichier vide : il doit contenir des données YAML")]
        doc = YamlDocument(path, None, lines=_LINE_BREAK.split(text))
        doc.data = _Builder(loader, doc, problems).build(node, ())
    except _Invalid as exc:
        line, column = _mark(exc.node)
        return None, [Problem(path, line, column, f"YAML invalide : {exc.message}")]
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(path, text, exc)]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, 1, f"YAML invalide : {exc}")]
    finally:
        loader.dispose()
    return doc, problems


def _compose_fast(text: str) -> tuple[Any, yaml.Node | None] | None:
    """The node tree composed by libyaml (30 times faster: start-up reads thousands of
    phrasings), or None when libyaml is missing or finds the text invalid: the
    pure-Python loader then says what is wrong, with this module's messages."""
    if not yaml.__with_libyaml__:
        return None
    try:
        loader = yaml.CSafeLoader(text)
    except UnicodeError:  # a lone surrogate, which libyaml cannot even receive
        return None
    try:
        return loader, loader.get_single_node()
    except yaml.YAMLError:
        loader.dispose()
        return None


def _unprintable(path: str, text: str, exc: yaml.reader.ReaderError) -> Problem:
    before = _LINE_BREAK.split(text[: exc.position])
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
    return Problem(
        path,
        len(before),
        len(before[-1]) + 1,
        f"caractère invisible interdit (U+{code:04X}) : supprimez-le "
        "(souvent collé depuis un traitement de texte)",
    )


def _syntax_problem(path: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or "syntaxe YAML invalide"
    if exc.context and "quoted scalar" in exc.context and exc.context_mark:
        mark = exc.context_mark  # the quote that opened; the problem mark is the file's end
        return Problem(
            path,
            mark.line + 1,
            mark.column + 1,
            "YAML invalide : guillemet jamais fermé (fermez le texte par le même guillemet)",
        )
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    quoted = _quoted_before(text, mark) if mark else None
    if quoted is not None and quoted.start_mark.line != quoted.end_mark.line:
        return Problem(
            path,
            quoted.start_mark.line + 1,
            quoted.start_mark.column + 1,
            "YAML invalide : guillemet jamais fermé sur cette ligne (le texte continue "
            "jusqu'au guillemet suivant ; fermez-le par le même guillemet)",
        )
    if quoted is not None and mark is not None and quoted.end_mark.line == mark.line:
        return Problem(
            path,
            line,
            column,
            "YAML invalide : texte après un guillemet fermant ; dans un texte entre "
            "apostrophes, doublez l'apostrophe ('') ou mettez le texte entre guillemets \"…\"",
        )
    return Problem(path, line, column, f"YAML invalide : {what}{_hint(what)}")


def _quoted_before(text: str, mark: yaml.Mark) -> yaml.ScalarToken | None:
    """The last token before `mark`, if it is a quoted scalar."""
    last: yaml.Token | None = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= mark.index:
                break
            last = token
    except yaml.YAMLError:
        pass
    if isinstance(last, yaml.ScalarToken) and last.style in {'"', "'"}:
        return last
    return None


def _hint(problem: str) -> str:
    if "'\\t'" in problem or "\t" in problem:
        return " (indentez avec des espaces, pas des tabulations)"
    if "tag:yaml.org,2002:merge" in problem:
        return " (« <<: » n'est pas accepté : recopiez les clés)"
    if "mapping values are not allowed" in problem:
        return " (un « : » dans un texte : mettez le texte entre guillemets)"
    if "expected <block end>" in problem or "indentation" in problem:
        return " (vérifiez l'indentation de cette ligne et de la précédente)"
    return ""


def read_text(path: Path, display: str) -> tuple[str | None, Problem | None]:
    """A file's text (newlines normalised, like `Path.read_text`), or why it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(display, 1, 1, f"fichier illisible : {exc.strerror}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        return None, Problem(
            display,
            data.count(b"\n", 0, exc.start) + 1,
            len(data[start : exc.start].decode("utf-8", "replace")) + 1,
            f"fichier illisible : octet 0x{data[exc.start]:02X} invalide en UTF-8 (accent "
            "enregistré dans un autre encodage ?) ; enregistrez le fichier en UTF-8",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def read_yaml(path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    text, problem = read_text(path, display)
    if text is None:
        return None, [problem] if problem else []
    return parse_yaml(text, display)
