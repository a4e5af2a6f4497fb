"""Render a `DraftDocument` as a Word file (.docx) that Word and LibreOffice open.

Built in memory and returned as bytes: nothing touches the disk unless the caller
writes the bytes (`vigie chat --out`, `vigie flow run --out`).
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
from docx.enum.text import WD_COLOR_INDEX
from docx.text.paragraph import Paragraph

from bot.core.drafts.model import Block, DraftDocument

MIME_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BOX = "☐ "


def to_docx(draft: DraftDocument) -> bytes:
    document = docx.Document()
    properties = document.core_properties
    properties.title = draft.title
    properties.language = draft.lang
    properties.author = "Vigie"
    # python-docx's template carries its own dates and revision; keep them neutral.
    properties.comments = ""
    for block in draft.blocks:
        _add(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add(document: docx.document.Document, block: Block) -> None:
    paragraph: Paragraph
    if block.kind == "title":
        paragraph = document.add_heading(level=1)
    elif block.kind == "heading":
        paragraph = document.add_heading(level=2)
    elif block.kind == "bullet":
        paragraph = document.add_paragraph(style="List Bullet")
    else:
        paragraph = document.add_paragraph()
    if block.kind == "checkbox":
        paragraph.add_run(BOX)
    for run in block.runs:
        added = paragraph.add_run(run.text)
        added.bold = run.bold or None
        added.italic = run.italic or None
        if run.to_complete:
            added.font.highlight_color = WD_COLOR_INDEX.YELLOW


def write(draft: DraftDocument, folder: Path) -> Path:
    """Write the file into `folder` (created if needed); return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / draft.filename
    path.write_bytes(to_docx(draft))
    return path
