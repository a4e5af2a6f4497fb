"""An alert is one Telegram message: over 4,096 characters (UTF-16, visible text, header
included) Telegram refuses it for every member. It is refused before anything is queued,
in one sentence, wherever an alert is written: the admin's draft in Telegram and
`vigie broadcast send` (templates: see test_content_check). The preview is the alert
itself, one message, never split.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.core.alerts import longest_alert, telegram_length
from bot.core.content import Content
from bot.storage.database import Database
from tests.e2e_support import Harness
from tests.fakes.bot_api import FakeBotApi
from tests.test_broadcast import (  # noqa: F401  (api, launch, cli, cli_db are fixtures)
    DONE,
    HEADER_FR,
    alert_file,
    api,
    broadcast_status,
    cli,
    cli_db,
    eventually,
    launch,
    no_broadcast,
    sends_to,
    subscribe,
)

# 4,090 characters: a valid message by itself, too long once the header is added.
LONG = ("Mettez à jour le VPN du cabinet dès aujourd'hui. " * 90)[:4090]


def test_the_measure_is_telegrams(content: Content) -> None:
    assert telegram_length("<b>é</b> &amp; 🔔") == 6  # tags gone, &amp; is one, 🔔 is two
    header = len(f"{HEADER_FR}\n\n".encode("utf-16-le")) // 2
    assert longest_alert(content.association, LONG, "urgent") >= 4090 + header > 4096


async def test_the_admin_is_asked_for_a_shorter_text_and_nothing_is_queued(
    api: FakeBotApi, launch: Callable[..., Awaitable[Harness]]  # noqa: F811
) -> None:
    harness = await launch(VIGIE_ADMIN_IDS="42")
    admin = harness.chat(42)
    await admin.send("/diffuser")

    replies = await admin.send(LONG)

    assert len(replies) == 1 and replies[0].buttons == []
    refusal = replies[0].text
    assert refusal.startswith("Ce texte est trop long pour Telegram : l'alerte ferait 41")
    assert refusal.endswith("au plus 4 096 ; envoyez un texte plus court.")
    assert harness.count("broadcasts") == 0
    replies = await admin.send("Faille VPN : mettez à jour.")  # the draft still waits
    assert replies[-1].text == "Catégorie de l'alerte ?"


async def test_the_preview_is_one_message_exactly_as_members_receive_it(
    api: FakeBotApi, launch: Callable[..., Awaitable[Harness]]  # noqa: F811
) -> None:
    harness = await launch(VIGIE_ADMIN_IDS="42", VIGIE_BROADCAST_RATE="20")
    async with Database(harness.db_path) as db:
        await subscribe(db, [9001, 9002])
    admin = harness.chat(42)
    # 3,200 visible characters, but 6,400 of HTML once "&" is escaped: short enough for
    # Telegram, long enough that splitting the HTML would cut the preview in two.
    typed = "R&D " * 800
    await admin.send("/diffuser")
    await admin.send(typed)

    replies = await admin.click("Alertes sécurité urgentes")

    assert len(replies) == 2, [r.text[:40] for r in replies]
    preview, confirm = replies
    assert preview.text == f"{HEADER_FR}\n\n{typed.strip()}"
    assert confirm.button_texts == ["✅ Envoyer à 2", "✖ Annuler"]
    started = await admin.click("✅ Envoyer à 2")
    (launched,) = [r.text for r in started if r.text.startswith("Diffusion n°")]
    bid = int(launched.removeprefix("Diffusion n°").split()[0])
    await eventually(lambda: broadcast_status(harness, bid) == DONE, "the broadcast to end")
    for member in (9001, 9002):
        (call,) = sends_to(api, [member])
        assert call.ok and call.params["text"] == preview.raw_text


async def test_vigie_broadcast_send_refuses_it_in_one_sentence(
    cli: Callable[..., Awaitable[int]],  # noqa: F811
    cli_db: Database,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await subscribe(cli_db, [1, 2])
    assert await cli("send", alert_file(tmp_path, LONG), "--yes") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert "alerte.md: too long for Telegram: the alert would be 41" in err
    assert err.endswith("Telegram accepts at most 4,096; shorten it")
    assert await no_broadcast(cli_db)
