"""Alerts from the web console: the same rules and the same durable queue as /diffuser."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bot.storage.stores import SqliteSubscriptions
from tests.web_support import ADMIN, Console, Staff, api, console, console_link, launch_console

__all__ = ["api", "console", "launch_console"]


async def subscribe(harness: Any, chats: range, category: str = "urgent") -> None:
    subscriptions = SqliteSubscriptions(harness.app.bot_data["vigie_db"])
    for chat in chats:
        await subscriptions.put(chat, "fr", (category,))


async def until(staff: Staff, broadcast: int, status: str, timeout: float = 20) -> dict[str, Any]:
    """What the page's script does: read the progress until the broadcast reaches `status`."""
    for _ in range(int(timeout / 0.1)):
        progress: dict[str, Any] = await staff.json(f"/alerts/{broadcast}/progress")
        if progress["status"] == status:
            return progress
        await asyncio.sleep(0.1)
    raise AssertionError(f"broadcast {broadcast} never reached {status}: {progress}")


async def signed_in(console: Console) -> Staff:
    harness, new_staff = console
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))
    return staff


async def test_an_alert_is_previewed_sent_and_followed_to_100_percent(console: Console) -> None:
    harness, _ = console
    await subscribe(harness, range(3001, 3004))
    await subscribe(harness, range(3101, 3103), "cnil")  # another category: not sent
    staff = await signed_in(console)

    status, page = await staff.post(
        "/alerts/preview", {"text": "Mettez à jour <Windows> ce soir", "category": "urgent"}
    )
    assert status == 200
    assert "Mettez à jour &lt;Windows&gt; ce soir" in page  # plain text, as with /diffuser
    assert "Destinataires : 3 abonné(s)" in page
    status, form = await staff.post(  # "Modifier": back to the form, nothing lost
        "/alerts/edit", {"text": "Mettez à jour <Windows> ce soir", "category": "cnil"}
    )
    assert status == 200 and ">Mettez à jour &lt;Windows&gt; ce soir</textarea>" in form
    assert '<option value="cnil" selected>' in form
    async with staff.http.post(
        staff.base + "/alerts/send",
        data={"csrf": staff.csrf, "text": "Mettez à jour <Windows> ce soir", "category": "urgent"},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
        location = response.headers["Location"]
    broadcast = int(location.rsplit("/", 1)[1])
    _, page = await staff.get(location)
    assert 'id="bar"' in page and 'data-progress-url="/alerts/' in page

    final = await until(staff, broadcast, "done")
    assert final["percent"] == 100 and final["sent"] == 3 and final["remaining"] == 0
    await harness.idle()
    for chat in range(3001, 3004):
        assert any("Mettez à jour <Windows> ce soir" in t for t in harness.api.sent_texts(chat))
    assert not harness.api.sent_texts(3101)
    _, listing = await staff.get("/alerts")
    row = rf'n°{broadcast}</a></td><td>urgent</td><td><span class="badge done">'
    assert re.search(row, listing)


async def test_a_template_is_sent_as_written_with_its_category(console: Console) -> None:
    harness, _ = console
    await subscribe(harness, range(3201, 3203))
    staff = await signed_in(console)
    template = harness.content.alert_templates["mise-a-jour-urgente"]
    status, page = await staff.post("/alerts/preview", {"template": template.id})
    assert status == 200 and "<i>Source" in page and "Envoyer à 2 abonné(s)" in page
    status, page = await staff.post("/alerts/send", {"template": template.id})
    assert status == 200 and "Alerte n°" in page
    broadcast = int(re.search(r"Alerte n°(\d+)", page).group(1))  # type: ignore[union-attr]
    assert (await until(staff, broadcast, "done"))["sent"] == 2


async def test_texts_the_bot_would_refuse_are_refused_with_one_sentence(console: Console) -> None:
    harness, _ = console
    staff = await signed_in(console)
    cases = {
        "   ": "est vide",
        "x" * 4100: "trop long pour Telegram",
    }
    for text, sentence in cases.items():
        status, page = await staff.post("/alerts/send", {"text": text, "category": "urgent"})
        assert status == 400 and sentence in page, text[:10]
    status, page = await staff.post("/alerts/send", {"text": "ok", "category": "nope"})
    assert status == 400 and "catégorie n&#39;existe pas" in page
    assert harness.count("broadcasts") == 0


async def test_pause_resume_and_cancel_from_the_console(console: Console) -> None:
    harness, _ = console
    await subscribe(harness, range(4001, 4031))
    harness.api.delay("sendMessage", 0.2, times=None)  # a slow Telegram: time to act
    staff = await signed_in(console)
    status, page = await staff.post("/alerts/send", {"text": "Alerte lente", "category": "urgent"})
    broadcast = int(re.search(r"Alerte n°(\d+)", page).group(1))  # type: ignore[union-attr]
    status, page = await staff.post(f"/alerts/{broadcast}/pause", {})
    assert status == 200 and 'data-status="paused"' in page
    await until(staff, broadcast, "paused")
    await asyncio.sleep(0.5)  # the sends already in flight land
    paused = await staff.json(f"/alerts/{broadcast}/progress")
    await asyncio.sleep(0.8)
    still = await staff.json(f"/alerts/{broadcast}/progress")
    assert still == paused and still["remaining"] > 0  # nothing more is sent while paused

    await staff.post(f"/alerts/{broadcast}/resume", {})
    await until(staff, broadcast, "running")
    status, page = await staff.post(f"/alerts/{broadcast}/cancel", {})
    assert 'data-status="cancelled"' in page
    cancelled = await staff.json(f"/alerts/{broadcast}/progress")
    assert cancelled["remaining"] > 0
    assert (await staff.post(f"/alerts/{broadcast}/frobnicate", {}))[0] == 404


async def test_a_console_broadcast_is_the_one_the_bot_lists_in_telegram(console: Console) -> None:
    harness, _ = console
    await subscribe(harness, range(5001, 5003))
    staff = await signed_in(console)
    _, page = await staff.post("/alerts/send", {"text": "Depuis la console", "category": "urgent"})
    broadcast = int(re.search(r"Alerte n°(\d+)", page).group(1))  # type: ignore[union-attr]
    await until(staff, broadcast, "done")
    listing = await harness.chat(ADMIN).send("/diffusions")
    assert f"n°{broadcast} · done · urgent · 2/2 envoyés" in listing[-1].text
