"""Read a generated .docx back with python-docx, as the member's word processor would."""

from __future__ import annotations

import io

import docx


def paragraphs(content: bytes) -> list[tuple[str, str]]:
    """``(style name, text)`` of every paragraph."""
    document = docx.Document(io.BytesIO(content))
    return [(p.style.name if p.style is not None else "", p.text) for p in document.paragraphs]


def docx_text(content: bytes) -> str:
    return "\n".join(text for _, text in paragraphs(content))
