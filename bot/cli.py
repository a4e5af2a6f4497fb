"""The `vigie` command and the composition root.

This module reads the settings (the only reader of the environment, through
`bot.settings`), loads the content, builds the assistant and the stores, and
hands them to an adapter. Configuration problems exit with code 2 and one
sentence, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.content.errors import ContentError
from bot.content.loader import load_content, load_root
from bot.core.assistant import Assistant
from bot.core.content import Content
from bot.logs import configure_logging
from bot.operator_errors import CliError, content_root
from bot.privacy.secrets import mask_secrets, remember_secret
from bot.settings import Settings, SettingsError

EXIT_CONFIG = 2


def load(settings: Settings | None) -> Content:
    try:
        # Already proven by `vigie content check` (and CI): skip the slow exhaustive proofs.
        return load_content(content_root(settings), exhaustive=False)
    except ContentError as exc:
        raise CliError(
            "the content is invalid; run `vigie content check` for details:\n"
            + "\n".join(str(p) for p in exc.problems[:20])
        ) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigie", description="Vigie: GDPR and IT-security assistant for health practices."
    )
    parser.add_argument("--version", action="version", version=f"vigie {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="chat with Vigie in the terminal")
    chat.add_argument("--lang", choices=["fr", "en"])

    run = sub.add_parser("run", help="run the Telegram bot (long polling, or a webhook)")
    run.add_argument("--webhook-url")
    run.add_argument("--listen", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8443)

    ask = sub.add_parser("ask", help="match one question and print the answer")
    ask.add_argument("question")
    ask.add_argument("--lang", choices=["fr", "en"])
    ask.add_argument("--json", action="store_true")

    content = sub.add_parser("content", help="content tools")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    check = content_sub.add_parser("check", help="validate all content")
    check.add_argument("dir", nargs="?")

    ev = sub.add_parser("eval", help="measure the matcher")
    ev.add_argument("file", nargs="?")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--cross-validate", action="store_true")
    ev.add_argument("--folds", type=int, default=5)

    flow = sub.add_parser("flow", help="guided flows")
    flow_sub = flow.add_subparsers(dest="flow_command", required=True)
    graph = flow_sub.add_parser("graph", help="print a flow as a Mermaid diagram")
    graph.add_argument("flow_id")
    graph.add_argument("--lang", choices=["fr", "en"], default="fr")
    frun = flow_sub.add_parser("run", help="walk a flow with facts from a file")
    frun.add_argument("flow_id")
    frun.add_argument("--facts", required=True)
    frun.add_argument("--now")
    frun.add_argument("--json", action="store_true")
    frun.add_argument("--lang", choices=["fr", "en"], default="fr")

    stats = sub.add_parser("stats", help="anonymous usage counters")
    stats.add_argument("--days", type=int, default=30)
    stats.add_argument("--json", action="store_true")
    sub.add_parser("unmatched", help="redacted unmatched questions, grouped")

    bc = sub.add_parser("broadcast", help="security alerts")
    bc_sub = bc.add_subparsers(dest="broadcast_command", required=True)
    send = bc_sub.add_parser("send", help="enqueue an alert and deliver it")
    send.add_argument("file")
    send.add_argument("--category")
    send.add_argument("--yes", action="store_true")
    status = bc_sub.add_parser("status", help="status of broadcasts")
    status.add_argument("id", nargs="?", type=int)
    resume = bc_sub.add_parser("resume", help="finish an interrupted broadcast")
    resume.add_argument("id", type=int)
    cancel = bc_sub.add_parser("cancel", help="cancel a broadcast")
    cancel.add_argument("id", type=int)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging()
    try:
        return dispatch(args)
    except (CliError, SettingsError) as exc:
        print(f"vigie: {mask_secrets(str(exc))}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


def dispatch(args: argparse.Namespace) -> int:
    from bot import tools

    if args.command == "content":
        return tools.content_check(Path(args.dir) if args.dir else None)
    settings = Settings.from_env()
    for secret in (settings.token, settings.secret, settings.webhook_secret):
        remember_secret(secret)
    if args.command == "ask":
        return tools.ask(load(settings), args.question, args.lang, args.json)
    if args.command == "eval":
        return tools.run_eval(load(settings), args.file, args.json, args.cross_validate, args.folds)
    if args.command == "flow":
        content = load(settings)
        if args.flow_command == "graph":
            return tools.flow_graph(content, args.flow_id, args.lang)
        return tools.flow_run(content, args.flow_id, args.facts, args.now, args.json, args.lang)
    if args.command == "chat":
        return asyncio.run(_chat(settings, args.lang))
    if args.command == "run":
        from bot.adapters.telegram.runner import run_bot

        return run_bot(
            settings,
            load(settings),
            webhook_url=args.webhook_url,
            listen=args.listen,
            port=args.port,
        )
    if args.command == "stats":
        return asyncio.run(tools.stats(settings, args.days, args.json))
    if args.command == "unmatched":
        return asyncio.run(tools.unmatched(settings))
    if args.command == "broadcast":
        from bot.broadcast.cli import broadcast_command

        return broadcast_command(settings, load(settings), args)
    raise CliError(f"unknown command {args.command}")


async def _chat(settings: Settings, lang: str | None) -> int:
    from bot.adapters.console import run_console
    from bot.service import Vigie
    from bot.storage.stores import MemorySessions, MemoryStats, MemorySubscriptions

    content = load(settings)
    service = Vigie(
        Assistant(content),
        secret=b"console-session-only",
        sessions=MemorySessions(),
        subscriptions=MemorySubscriptions(),
        stats=MemoryStats(),
        alerts_available=False,
    )
    return await run_console(service, lang)


__all__ = ["CliError", "load", "load_root", "main"]
