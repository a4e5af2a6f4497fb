"""The console chat: the same core as Telegram, read line by line from standard input.

Buttons are printed numbered; typing a number presses one. Works with pipes
(`printf '/start\\n1\\n' | vigie chat`) and ends cleanly at end of input.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from typing import TextIO

from bot.core.events import Event
from bot.core.reply import Button, Reply
from bot.service import Actor, Vigie

_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
QUIT = {"/quit", "/exit", "/quitter"}


def html_to_text(text: str) -> str:
    text = _LINK.sub(
        lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(1) != m.group(2) else m.group(2), text
    )
    return html.unescape(_TAG.sub("", text))


class NoSuchButton(ValueError):
    """A number typed in the console that is not one of the buttons on screen."""


def parse_line(line: str, buttons: list[Button]) -> Event | None:
    line = line.strip()
    if not line:
        return None
    if line.isdecimal() and buttons and len(line) <= 3:
        if not 1 <= int(line) <= len(buttons):
            raise NoSuchButton(f"Tapez un numéro de 1 à {len(buttons)}, ou votre question.")
        return Event("press", buttons[int(line) - 1].data)
    if line.startswith("/") and len(line) > 1 and not line[1].isspace():
        name, _, args = line[1:].partition(" ")
        return Event("command", name, args.strip())
    return Event("text", line)


def render(replies: list[Reply], out: TextIO) -> list[Button]:
    """Print replies; return the buttons now on screen, in the numbering shown."""
    buttons: list[Button] = []
    for reply in replies:
        out.write(html_to_text(reply.text).rstrip() + "\n")
        if reply.document is not None:
            out.write(
                f"[document : {reply.document.filename}, {len(reply.document.content)} octets]\n"
            )
        for button in reply.all_buttons():
            buttons.append(button)
            out.write(f"  [{len(buttons)}] {button.label}\n")
        out.write("\n")
    out.flush()
    return buttons


async def run_console(
    service: Vigie,
    lang: str | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    actor = Actor(user_id=0, chat_id=0, user_lang=lang)
    if lang:
        await service.handle(actor, Event("command", "langue", lang))
    interactive = stdin.isatty()
    if interactive:
        stdout.write(
            "Vigie (console) : tapez /start, une question, ou un numéro de bouton. "
            "/quit pour sortir.\n\n"
        )
    buttons: list[Button] = []
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        if line.strip() in QUIT:
            break
        try:
            event = parse_line(line, buttons)
        except NoSuchButton as exc:
            stdout.write(f"{exc}\n\n")
            continue
        if event is None:
            continue
        replies = await service.handle(actor, event)
        shown = render(replies, stdout)
        if shown:
            buttons = shown
    return 0
