"""`vigie broadcast send|status|resume|cancel`: broadcasts for staff who prefer a terminal.

Same environment as `vigie run` (token, TELEGRAM_API_BASE_URL, VIGIE_DB). The
queue lives in the database: if this process dies, `vigie broadcast resume ID`
or the next start of `vigie run` finishes the job.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import TextIO

import yaml
from telegram import Bot
from telegram.error import InvalidToken
from telegram.request import HTTPXRequest

from bot.adapters.console import html_to_text
from bot.broadcast.alert import render_alert
from bot.broadcast.guard import GONE_QUORUM, Suspension
from bot.broadcast.limiter import RateLimiter
from bot.broadcast.queue import CANCELLED, DONE, PAUSED, RUNNING, BroadcastQueue
from bot.broadcast.sender import Progress
from bot.broadcast.telegram import make_broadcaster
from bot.cli_support import CliError
from bot.core.alerts import longest_alert, too_long
from bot.core.content import Content
from bot.core.html import html_errors
from bot.privacy.secrets import remember_secret
from bot.settings import Settings
from bot.storage.database import Database, DatabaseError


def broadcast_command(settings: Settings, content: Content, args: argparse.Namespace) -> int:
    return asyncio.run(_main(settings, content, args))


def read_alert(path: Path, content: Content, category: str | None) -> tuple[str, str]:
    """(HTML text, category) from a Markdown file with an optional front matter."""
    if not path.is_file():
        raise CliError(f"alert file not found: {path}")
    raw = path.read_text(encoding="utf-8")
    meta: dict[str, object] = {}
    if raw.startswith("---\n") and "\n---\n" in raw[4:]:
        head, body = raw[4:].split("\n---\n", 1)
        try:
            loaded = yaml.safe_load(head) or {}
        except yaml.YAMLError as exc:
            raise CliError(f"{path}: invalid front matter ({exc})") from exc
        if isinstance(loaded, dict):
            meta = loaded
        raw = body
    text = raw.strip()
    if not text:
        raise CliError(f"{path}: the alert text is empty")
    problems = html_errors(text)
    if problems:
        raise CliError(f"{path}: Telegram would refuse this text: {'; '.join(problems)}")
    chosen = category or str(meta.get("category") or "")
    if not chosen:
        defaults = [c.id for c in content.association.alert_categories if c.default]
        chosen = (defaults or [content.association.alert_categories[0].id])[0]
    if content.association.category(chosen) is None:
        known = ", ".join(c.id for c in content.association.alert_categories)
        raise CliError(f"unknown category {chosen!r} (known: {known})")
    length = longest_alert(content.association, text, chosen)
    if too_long(length):
        raise CliError(
            f"{path}: too long for Telegram: the alert would be {length} characters with its "
            "header, and Telegram accepts at most 4,096; shorten it"
        )
    return text, chosen


def make_bot(settings: Settings) -> Bot:
    if not settings.token:
        raise CliError("TELEGRAM_BOT_TOKEN is not set: it is needed to send the alert")
    remember_secret(settings.token)
    request = HTTPXRequest(connection_pool_size=32, read_timeout=15, write_timeout=15)
    if settings.api_base_url:
        return Bot(settings.token, base_url=settings.api_base_url, request=request)
    return Bot(settings.token, request=request)


async def _main(settings: Settings, content: Content, args: argparse.Namespace) -> int:
    try:
        db = await Database(settings.db_path).open()
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    try:
        queue = BroadcastQueue(db)
        command = args.broadcast_command
        if command == "status":
            return await _status(queue, args.id)
        if command == "cancel":
            if await queue.set_status(args.id, CANCELLED):
                print(f"broadcast {args.id} cancelled")
                return 0
            raise CliError(f"broadcast {args.id} does not exist or is already finished")
        if command == "send":
            text, category = read_alert(Path(args.file), content, args.category)
            if getattr(args, "dry_run", False):  # a preview: no token, nothing queued
                await _preview(queue, content, text, category, sys.stdout)
                print("dry run: nothing queued, nothing sent")
                return 0
            # Before anything is queued: a broadcast queued without a token would be
            # delivered by the next `vigie run`, then again by the operator's retry.
            bot = make_bot(settings)
            await _preview(queue, content, text, category, sys.stderr)
            if not args.yes:
                if not sys.stdin.isatty():
                    raise CliError("not sending without confirmation: add --yes")
                if input("Send? [y/N] ").strip().lower() not in {"y", "yes", "o", "oui"}:
                    print("nothing sent", file=sys.stderr)
                    return 0
            broadcast_id = await queue.create(text, category)
            print(f"broadcast {broadcast_id} queued", file=sys.stderr)
            return await _deliver(settings, content, db, queue, broadcast_id, bot)
        if command == "resume":
            info = await queue.info(args.id)
            if info is None:
                raise CliError(f"broadcast {args.id} does not exist")
            if info.status in {DONE, CANCELLED}:
                print(f"broadcast {args.id} is already {info.status}", file=sys.stderr)
                return 0
            bot = make_bot(settings)
            trust_gone = info.status == PAUSED  # the operator decided, after a pause
            if trust_gone:
                await queue.set_status(args.id, RUNNING)
            return await _deliver(settings, content, db, queue, args.id, bot, trust_gone)
        raise CliError(f"unknown broadcast command {command}")
    finally:
        await db.close()


async def _preview(
    queue: BroadcastQueue, content: Content, text: str, category: str, out: TextIO
) -> None:
    count = await queue.recipients(category)
    body, _ = render_alert(content, text, category, "fr")
    print(html_to_text(body), file=out)
    print(f"\n-> {count} recipient(s), category {category}", file=out)


async def _status(queue: BroadcastQueue, broadcast_id: int | None) -> int:
    infos = [await queue.info(broadcast_id)] if broadcast_id else await queue.recent(20)
    if broadcast_id and infos[0] is None:
        raise CliError(f"broadcast {broadcast_id} does not exist")
    for info in infos:
        if info is None:
            continue
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.created_at))
        counts = ", ".join(f"{k} {v}" for k, v in sorted(info.counts.items()))
        print(
            f"{info.id}\t{info.status}\t{info.category}\t{created}\t{info.total} recipients"
            f"\t{counts}"
        )
    if not infos:
        print("no broadcast yet")
    return 0


async def _deliver(
    settings: Settings,
    content: Content,
    db: Database,
    queue: BroadcastQueue,
    broadcast_id: int,
    bot: Bot | None = None,
    trust_gone: bool = False,
) -> int:
    info = await queue.info(broadcast_id)
    assert info is not None
    bot = bot or make_bot(settings)
    limiter = RateLimiter(settings.broadcast_rate)
    try:
        await bot.initialize()
    except InvalidToken as exc:
        raise CliError("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather") from exc
    async with bot:
        broadcaster = make_broadcaster(
            bot, content, db, queue, limiter, info.category,
            gone_quorum=0 if trust_gone else GONE_QUORUM,
        )
        try:
            final = await broadcaster.run(broadcast_id, _progress_bar, progress_every=0.5)
        finally:
            await broadcaster.close()
    print(file=sys.stderr)
    if final is None:
        return 1
    print(
        f"broadcast {broadcast_id}: {final.status}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(final.counts.items()))
    )
    if broadcaster.suspension is not None:
        print(_suspension_sentence(broadcaster.suspension, broadcast_id), file=sys.stderr)
        return 1
    return 0


def _suspension_sentence(why: Suspension, broadcast_id: int) -> str:
    if why.kind == "gone":
        return (
            f"paused: Telegram says the first {why.count} recipients all blocked the bot or "
            "left, which looks like a wrong TELEGRAM_BOT_TOKEN or a network problem; no "
            f"subscription was removed. Check, then `vigie broadcast resume {broadcast_id}` "
            "(the refusals are then believed) or cancel it."
        )
    return (
        f"paused: Telegram refuses the text of this alert ({why.description}), even as plain "
        f"text; `vigie broadcast cancel {broadcast_id}` and send a shorter or corrected text."
    )


async def _progress_bar(p: Progress) -> None:
    info = p.info
    done = info.total - info.remaining
    width = 30
    filled = int(width * done / info.total) if info.total else width
    eta = p.eta_seconds(time.time())
    tail = f", about {int(eta) + 1} s left" if eta and info.remaining else ""
    failed = info.counts.get("failed", 0) + info.counts.get("unsubscribed", 0)
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{info.total} ({failed} failed){tail}   "
    )
    sys.stderr.flush()
