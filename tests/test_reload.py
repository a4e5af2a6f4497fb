"""Reloading content: /reload and SIGHUP; invalid content keeps the last good one."""

from __future__ import annotations

import shutil
import signal
import threading
from pathlib import Path

from bot.admin import AdminCommands
from bot.content.loader import load_root
from bot.service import Vigie
from tests.corechat import CoreChat
from tests.e2e_support import Launch, eventually
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
            seen: list[str] = []

            async def reloaded() -> bool:
                seen[:] = [r.text for r in await chat.send("/start")]
                return any("Union Exemple" in text for text in seen)

            for _ in range(60):  # the reload runs beside the members: ask until it is done
                if await reloaded():
                    break
            assert any("Union Exemple" in text for text in seen), seen
        finally:
            await stop_vigie(bot)


async def test_members_are_answered_while_the_content_reloads(launch: Launch) -> None:
    bot = await launch(VIGIE_ADMIN_IDS="42")
    admin = bot.app.bot_data["vigie_admin"]
    real_load = admin._load
    loading, release = threading.Event(), threading.Event()

    def slow_load():  # type: ignore[no-untyped-def]
        # A reload as slow as we like: it waits until the member has been answered.
        loading.set()
        release.wait(20)
        return real_load()

    admin._load = slow_load
    bot.api.message(42, "/reload")
    await eventually(loading.is_set, "the reload to start")
    member = bot.chat(43)
    member.api.message(43, "/start")
    try:
        await eventually(lambda: bot.api.sent(chat_id=43) != [], "the member's answer")
        assert bot.api.sent(chat_id=42) == []  # the reload was still running
    finally:
        release.set()
    await eventually(lambda: bot.api.sent(chat_id=42) != [], "the end of the reload")
    assert "Contenu rechargé" in bot.api.sent_texts(chat_id=42)[0]
    assert "Bonjour" in bot.api.sent_texts(chat_id=43)[0]


async def test_reload_in_a_group_answers_that_it_is_for_private_chats(launch: Launch) -> None:
    bot = await launch(VIGIE_ADMIN_IDS="42")
    reloads: list[int] = []
    admin = bot.app.bot_data["vigie_admin"]
    real_load = admin._load
    admin._load = lambda: (reloads.append(1), real_load())[1]
    in_group = bot.chat(42, chat_id=-4_000_321)
    replies = await in_group.send("/reload@vigie_test_bot")
    assert [r.text for r in replies] == [bot.content.ui.get("group.private_only", "fr")]
    assert reloads == []
    in_private = bot.chat(42)
    assert "Contenu rechargé" in (await in_private.send("/reload"))[0].text
    assert reloads == [1]


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
