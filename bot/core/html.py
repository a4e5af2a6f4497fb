"""Telegram's HTML subset: validate it, measure it, and split long messages cleanly.

Telegram rejects a whole message for one unknown tag or unbalanced `<b>`, so
content is checked at load time and every split keeps the tags balanced.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "code": frozenset(),
    "pre": frozenset(),
    "blockquote": frozenset(),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
}
_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"balise <{tag}> refusée par Telegram")
            return
        for name, _ in attrs:
            if name not in ALLOWED_TAGS[tag]:
                self.errors.append(f"attribut « {name} » refusé sur <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> ne ferme aucune balise ouverte")
            return
        self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            self.errors.append(f"entité &{name}; inconnue de Telegram (écrivez &amp; pour « & »)")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.targets.extend(value or "" for name, value in attrs if name == "href")


def link_targets(text: str) -> list[str]:
    """The `href` of every `<a>` in `text`, entities decoded."""
    parser = _Links()
    parser.feed(text)
    parser.close()
    return parser.targets


def html_errors(text: str) -> list[str]:
    """Why Telegram would reject this text, or [] when it is valid."""
    stray = re.sub(r"<(/?[a-zA-Z][a-zA-Z-]*)(\s[^<>]*)?>", "", text)
    errors: list[str] = []
    if "<" in stray or ">" in stray:
        errors.append("« < » ou « > » seul : écrivez &lt; ou &gt;")
    if re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", text):
        errors.append("« & » seul : écrivez &amp;")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    errors.extend(checker.errors)
    errors.extend(f"<{tag}> n'est jamais fermée" for tag in checker.stack)
    return errors


def visible_text(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def visible_length(text: str) -> int:
    return len(visible_text(text).strip())


def escape(text: str) -> str:
    """Escape text typed by a member or an admin before it goes into HTML."""
    return html.escape(text, quote=False)


def split_message(text: str, limit: int) -> list[str]:
    """Split HTML into chunks of at most `limit` characters, at line breaks when possible.

    Tags open at a cut are closed at the end of the chunk and reopened at the
    start of the next one, so each chunk is valid on its own.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    open_tags: list[str] = []
    current = ""
    for piece in _pieces(text, max(limit // 2, 1)):
        closing = "".join(f"</{_name(t)}>" for t in reversed(open_tags))
        if current and len(current) + len(piece) + len(closing) > limit:
            chunks.append(current + closing)
            current = "".join(open_tags)
        current += piece
        for tag in _TAG.findall(piece):
            if tag.startswith("</"):
                if open_tags:
                    open_tags.pop()
            else:
                open_tags.append(tag)
    if visible_text(current).strip():  # not only tags: Telegram refuses an empty message
        chunks.append(current + "".join(f"</{_name(t)}>" for t in reversed(open_tags)))
    return chunks


def _name(tag: str) -> str:
    return tag[1:-1].split()[0]


def _pieces(text: str, max_piece: int) -> list[str]:
    """Lines (with their newline), then words, then characters, never cutting a tag or entity."""
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        if len(line) <= max_piece:
            pieces.append(line)
            continue
        for word in re.findall(r"\S+\s*|\s+", line):
            while len(word) > max_piece:
                cut = _safe_cut(word, max_piece)
                pieces.append(word[:cut])
                word = word[cut:]
            pieces.append(word)
    return pieces


def _safe_cut(word: str, at: int) -> int:
    """A cut position that does not fall inside a tag or an entity."""
    for match in list(_TAG.finditer(word)) + list(_ENTITY.finditer(word)):
        if match.start() < at < match.end():
            return match.start() or match.end()
    return at
