"""Reloading content: /reload and SIGHUP; invalid content keeps the last good one."""

from __future__ import annotations

import asyncio
import shutil
import signal
from pathlib import Path

from bot.admin import AdminCommands
from bot.content.loader import load_root
from bot.service import Vigie
from tests.corechat import CoreChat
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.conversation import Chat
from tests.process import start_vigie, stop_vigie

ROOT = Path(__file__).resolve().parent.parent


def _copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copytree(ROOT / "intents", root / "intents")
    return root


async def test_reload_keeps_the_old_content_when_the_new_one_is_invalid(
    service: Vigie, tmp_path: Path
) -> None:
    root = _copy_content(tmp_path)
    admin = AdminCommands(service, reload=lambda: load_root(root))
    service.admin_handler = admin.handle
    chat = CoreChat(service, user_id=42)  # 42 is an admin in the service fixture
    await chat.send("/reload")
    assert "Contenu rechargé" in chat.text
    answers = root / "content" / "answers" / "gdpr.yaml"
    answers.write_text(answers.read_text(encoding="utf-8").replace("sources:", "sourcse:", 1),
                       encoding="utf-8")
    await chat.send("/reload")
    assert "je garde l'ancien" in chat.text
    assert "content/answers/gdpr.yaml:" in chat.text and "sourcse" in chat.text
    member = CoreChat(service, user_id=7)
    await member.send("un médecin seul doit-il désigner un DPO ?")
    assert "Sources" in member.text  # still served by the last good content


async def test_sighup_reloads_the_running_bot(tmp_path: Path) -> None:
    root = _copy_content(tmp_path)
    async with FakeBotApi() as api:
        bot = await start_vigie(api, tmp_path / "v.db", VIGIE_CONTENT_DIR=str(root))
        try:
            chat = Chat(api, 777, quiet=0.4, timeout=20)
            replies = await chat.send("/start")
            assert "Médecins Connectés" in replies[0].text
            association = root / "content" / "association.yaml"
            association.write_text(association.read_text(encoding="utf-8").replace(
                "Médecins Connectés", "Union Exemple"), encoding="utf-8")
            bot.send_signal(signal.SIGHUP)
            await asyncio.sleep(2.0)
            replies = await chat.send("/start")
            assert "Union Exemple" in replies[0].text
        finally:
            await stop_vigie(bot)


async def test_a_reload_that_renames_the_step_a_member_is_at_ends_their_run(
    service: Vigie, tmp_path: Path
) -> None:
    """Security review 2026-12, L8: no more "incident technique" on every message."""
    root = _copy_content(tmp_path)
    admin = AdminCommands(service, reload=lambda: load_root(root, exhaustive=False))
    service.admin_handler = admin.handle
    member = CoreChat(service, user_id=7)
    await member.send("/notifier")
    await member.click("Oui")
    assert "pour le compte d'un autre organisme" in member.text  # at the `role` question
    old_button = member.button("?")

    flow = root / "content" / "flows" / "breach_notification.yaml"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace("  role:\n    type:", "  role_v2:\n    type:"),
        encoding="utf-8",
    )
    await CoreChat(service, user_id=42).send("/reload")  # 42 is an admin

    await member.send("oui")
    assert "incident technique" not in member.text
    assert "Ce bouton a expiré" in member.text
    await member.click_data(old_button)
    assert "Ce bouton a expiré" in member.text
    await member.send("/start")
    assert "Vous aviez commencé" not in member.text  # the run is over: nothing to resume
    await member.send("un médecin seul doit-il désigner un DPO ?")
    assert "Sources" in member.text and "expiré" not in member.text
    await member.send("/notifier")
    assert "L'incident touche-t-il" in member.text  # a fresh run starts at the first step
