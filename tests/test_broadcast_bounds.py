"""Small bounds of the broadcast machinery: which subscribers a category reaches."""

from __future__ import annotations

from bot.broadcast.queue import BroadcastQueue
from bot.storage.database import Database


async def test_a_category_with_an_underscore_reaches_only_its_own_subscribers(
    db: Database,
) -> None:
    await db.conn.executemany(
        "INSERT INTO subscriptions (chat_id, lang, categories, subscribed_at) "
        "VALUES (?, 'fr', ?, '2026-01-01')",
        [(1, "cyber_sante"), (2, "cyberXsante"), (3, "urgent,cyber_sante"), (4, "cyber%sante"),
         (5, "urgent")],
    )
    queue = BroadcastQueue(db)

    assert await queue.recipients("cyber_sante") == 2
    bid = await queue.create("alerte", "cyber_sante")
    chats = await db.fetchall("SELECT chat_id FROM deliveries WHERE broadcast_id = ?", (bid,))
    assert sorted(int(str(c)) for (c,) in chats) == [1, 3]
    assert await queue.recipients("cyber%sante") == 1
    assert await queue.recipients("urgent") == 2

