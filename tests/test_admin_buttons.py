"""A member's forged admin button press: never reaches the admin handler, changes nothing."""

from __future__ import annotations

from bot.broadcast.queue import PAUSED, RUNNING, BroadcastQueue
from bot.core.events import Event
from bot.core.reply import Reply
from bot.service import Actor
from bot.storage.database import Database
from tests.e2e_support import Launch


async def test_a_members_forged_admin_button_never_reaches_the_admin_handler(
    launch: Launch,
) -> None:
    bot = await launch(VIGIE_ADMIN_IDS="42")
    async with Database(bot.db_path) as db:
        queue = BroadcastQueue(db)
        running = await queue.create("Alerte en cours", "urgent")
        paused = await queue.create("Alerte suspendue", "urgent")
        await queue.set_status(paused, PAUSED)
    service = bot.app.bot_data["vigie_service"]
    reached: list[Event] = []
    real_handler = service.admin_handler

    async def recording_handler(actor: Actor, event: Event, lang: str) -> list[Reply]:
        reached.append(event)
        replies: list[Reply] = await real_handler(actor, event, lang)
        return replies

    service.admin_handler = recording_handler
    member = bot.chat(3001)
    await member.send("/start")  # a message to press buttons on
    unknown = [(r.text, r.buttons) for r in await member.send("/nimportequoi")]
    for forged in (f"1|b:pause:{running}", f"1|b:cancel:{running}", f"1|b:cancel:{paused}",
                   f"1|b:resume:{paused}", "1|b:go", "1|b:no"):
        replies = await member.click_data(forged)
        assert [(r.text, r.buttons) for r in replies] == unknown, forged
    assert reached == []
    statuses = dict(bot.query("SELECT id, status FROM broadcasts"))
    assert statuses == {running: RUNNING, paused: PAUSED}
    assert bot.query("SELECT sum(count) FROM counters WHERE name = 'admin_refused'") == [(6,)]
    # The same presses from the admin do reach the handler (the test can see a leak).
    admin = bot.chat(42)
    await admin.send("/diffusions")
    await admin.click_data(f"1|b:pause:{running}")
    assert [e.value for e in reached] == ["diffusions", f"1|b:pause:{running}"]
    assert dict(bot.query("SELECT id, status FROM broadcasts"))[running] == PAUSED
