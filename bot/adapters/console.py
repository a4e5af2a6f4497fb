"""The console chat: the same core as Telegram, read line by line from standard input.

Buttons are printed numbered; typing a number presses one. Works with pipes
(`printf '/start\\n1\\n' | vigie chat`) and ends cleanly at end of input.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.core import callbacks
from bot.core.commands import canonical_command
from bot.core.events import Event
from bot.core.reply import Button, Reply
from bot.documents.docx import write
from bot.service import Actor, FloodGuard, Vigie

_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
QUIT = {"/quit", "/exit", "/quitter"}
CONSOLE_WHOAMI = (
    "La console n'a pas d'identifiant Telegram : envoyez /moi à votre bot dans Telegram, "
    "il vous répondra le vôtre (pour VIGIE_ADMIN_IDS)."
)


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


def offered(button: Button) -> bool:
    """The console delivers no alerts, so it does not offer to subscribe to them."""
    action = callbacks.decode(button.data)
    return action is None or action.kind != "a"


def write_buttons(buttons: list[Button], out: TextIO) -> None:
    for number, button in enumerate(buttons, start=1):
        out.write(f"  [{number}] {button.label}\n")
    if buttons:
        out.write("\n")


def render(replies: list[Reply], out: TextIO, folder: Path | None = None) -> list[Button]:
    """Print replies, writing their documents (.docx) into `folder` (default: the current
    directory) and printing their paths; then the buttons now on screen (numbered), last,
    next to the prompt."""
    buttons: list[Button] = []
    for reply in replies:
        out.write(html_to_text(reply.text).rstrip() + "\n\n")
        for document in reply.documents:
            path = write(document.draft, folder or Path.cwd())
            out.write(f"[document : {path}]\n\n")
        buttons.extend(button for button in reply.all_buttons() if offered(button))
    write_buttons(buttons, out)
    out.flush()
    return buttons


class NoFloodLimit(FloodGuard):
    """The console has one local reader: a pasted script is never throttled."""

    def check(self, key: str) -> str:
        return "ok"


async def run_console(
    service: Vigie,
    lang: str | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    out: Path | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        await _converse(service, lang, stdin, stdout, out)
    except BrokenPipeError:
        # `vigie chat | head`: the reader left. Nothing more to say, and Python must not
        # complain when it flushes stdout at exit.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stdout.fileno())
    return 0


async def _converse(
    service: Vigie, lang: str | None, stdin: TextIO, stdout: TextIO, out: Path | None = None
) -> None:
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
        if event.kind == "command" and canonical_command(event.value) == "moi":
            stdout.write(f"{CONSOLE_WHOAMI}\n\n")  # the console has no Telegram id to give
            continue
        replies = await service.handle(actor, event)
        shown = render(replies, stdout, out)
        if shown:
            buttons = shown
        elif buttons and replies:  # a help text, an explanation: the choices still stand
            write_buttons(buttons, stdout)
            stdout.flush()
