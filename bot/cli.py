"""The `vigie` command and the composition root.

This module reads the settings (the only reader of the environment, through
`bot.settings`), loads the content, builds the assistant and the stores, and
hands them to an adapter. Configuration problems exit with code 2 and one
sentence, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli_parser import build_parser
from bot.cli_support import EXIT_CONFIG, CliError, content_root, print_json
from bot.content.errors import ContentError
from bot.content.loader import load_content, load_root
from bot.core.content import Content
from bot.core.matching.semantic import Encoder
from bot.logs import configure_logging
from bot.privacy.secrets import mask_secrets, remember_secret
from bot.settings import Settings, SettingsError

log = logging.getLogger("vigie")


def load(settings: Settings | None) -> Content:
    try:
        # Already proven by `vigie content check` (and CI): skip the slow exhaustive proofs.
        return load_content(content_root(settings), exhaustive=False)
    except ContentError as exc:
        raise CliError(
            "the content is invalid; run `vigie content check` for details:\n"
            + "\n".join(str(p) for p in exc.problems[:20])
        ) from exc


def encoder(settings: Settings) -> Encoder | None:
    """The sentence encoder, loaded once per process; None keeps matching lexical."""
    from bot.adapters.semantic.e5 import load_encoder

    return load_encoder(settings.semantic, settings.semantic_cache)


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
    if args.command == "init":
        from bot.init_content import init_content, terminal_ask

        given = {k: getattr(args, k) for k in ("name", "email", "phone", "dpo", "privacy_url")}
        return init_content(Path(args.dir), given, terminal_ask())
    settings = Settings.from_env()
    for secret in (settings.token, settings.secret, settings.webhook_secret):
        remember_secret(secret)
    if args.command == "ask":
        return tools.ask(load(settings), args.question, args.lang, args.json, encoder(settings))
    if args.command == "eval":
        return tools.run_eval(
            load(settings),
            args.file,
            args.json,
            args.cross_validate,
            args.folds,
            args.details,
            encoder(settings),
        )
    if args.command == "flow":
        content = load(settings)
        if args.flow_command == "graph":
            return tools.flow_graph(content, args.flow_id, args.lang)
        return tools.flow_run(
            content, args.flow_id, args.facts, args.now, args.json, args.lang, args.out
        )
    if args.command == "chat":
        return asyncio.run(_chat(settings, args.lang, args.out))
    if args.command == "run":
        from bot.adapters.telegram.runner import run_bot
        from bot.content.example_values import example_values

        content = load(settings)
        for problem in example_values(content_root(settings)):
            log.warning("%s", problem)
        return run_bot(
            settings,
            content,
            encoder(settings),
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


async def _chat(settings: Settings, lang: str | None, out: str | None = None) -> int:
    from bot.adapters.console import run_console
    from bot.adapters.console_service import console_service

    async with console_service(settings, load(settings)) as (service, where):
        print(where, file=sys.stderr)
        semantic = encoder(settings)
        target = Path(out) if out else None
        if semantic is None:
            return await run_console(service, lang, out=target)
        from bot.adapters.semantic.startup import add_semantic

        upgrade = asyncio.create_task(add_semantic(service, semantic))
        try:
            return await run_console(service, lang, out=target)
        finally:
            upgrade.cancel()


__all__ = ["EXIT_CONFIG", "CliError", "content_root", "load", "load_root", "main", "print_json"]
