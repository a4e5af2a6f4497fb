"""The admin's draft in Telegram: a button names the text or the preview it was shown
with, so an older button never sends (or previews) the current draft."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.limits import MAX_CALLBACK_DATA_BYTES
from tests.e2e_support import Harness
from tests.fakes.bot_api import FakeBotApi
from tests.test_broadcast import api, launch  # noqa: F401  (fixtures)

EXPIRED = "Ce bouton a expiré : tapez /diffuser pour recommencer."
TEMPLATE = "📄 Mise à jour de sécurité urgente"


async def test_envoyer_under_an_older_preview_sends_nothing(
    api: FakeBotApi, launch: Callable[..., Awaitable[Harness]]  # noqa: F811
) -> None:
    harness = await launch(VIGIE_ADMIN_IDS="42")
    admin = harness.chat(42)
    menu = (await admin.send("/diffuser"))[-1]
    await admin.send("Texte A : le VPN est compromis.")
    preview_a, confirm_a = await admin.click("Alertes sécurité urgentes")
    assert preview_a.text.endswith("Texte A : le VPN est compromis.")
    # The admin changes their mind and picks a template from the first message...
    preview_t, confirm_t = await admin.click(TEMPLATE, message_id=menu.message_id)
    assert "Une faille de sécurité importante" in preview_t.text

    # ...then presses "Envoyer" under the preview of text A.
    replies = await admin.click("✅ Envoyer", message_id=confirm_a.message_id)

    assert replies[-1].text == EXPIRED
    assert harness.count("broadcasts") == 0
    for data in confirm_a.callback_data + confirm_t.callback_data:
        assert len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    # The current preview's button still works, and sends what it showed.
    replies = await admin.click("✅ Envoyer", message_id=confirm_t.message_id)
    assert any(r.text.startswith("Diffusion n°") for r in replies)
    sent = harness.query("SELECT text FROM broadcasts")
    assert len(sent) == 1 and "Une faille de sécurité importante" in str(sent[0][0])


async def test_a_category_button_of_an_older_text_previews_nothing(
    api: FakeBotApi, launch: Callable[..., Awaitable[Harness]]  # noqa: F811
) -> None:
    harness = await launch(VIGIE_ADMIN_IDS="42")
    admin = harness.chat(42)
    await admin.send("/diffuser")
    categories_a = (await admin.send("Texte A"))[-1]
    await admin.send("/diffuser")
    await admin.send("Texte B")

    replies = await admin.click("Alertes sécurité urgentes", message_id=categories_a.message_id)

    assert [r.text for r in replies] == [EXPIRED]
    replies = await admin.click("Alertes sécurité urgentes")  # the keyboard shown for B
    assert replies[0].text.endswith("Texte B")
