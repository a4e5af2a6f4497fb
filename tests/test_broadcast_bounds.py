"""Small bounds of the broadcast machinery: which subscribers a category reaches, and the
memory the rate limiter keeps between broadcasts."""

from __future__ import annotations

import tracemalloc

from bot.broadcast.limiter import RateLimiter
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


def test_interactive_replies_alone_keep_the_limiter_small() -> None:
    """Between broadcasts only interactive replies reach the limiter: it must forget them
    once they leave the window, not keep one entry per reply until the next broadcast."""
    now = [0.0]
    limiter = RateLimiter(30, clock=lambda: now[0])

    def replies(count: int, first_chat: int) -> None:
        for i in range(count):
            now[0] += 0.01  # 100 replies a second, each to another member
            limiter.note_interactive(first_chat + i)

    replies(5_000, 0)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        replies(100_000, 5_000)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # Unbounded, 100,000 more replies kept about 8 MB; bounded, the window holds ~110.
    assert grown < 200_000, f"the limiter grew by {grown} bytes"
