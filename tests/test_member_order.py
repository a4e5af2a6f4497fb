"""Vigie.handle with a transport's `deliver`: one member's updates are answered in order,
at most two wait in the transport's own tasks, later ones wait in a task of their own
(security review L3), and the flood notice is delivered like any reply."""

from __future__ import annotations

import asyncio

from bot.core.events import Event
from bot.core.reply import Reply
from bot.service import Actor, FloodGuard, Vigie

COMMANDS = ["start", "aide", "confidentialite", "alertes", "start"]
#: The last one changes the member's session: a queued update must save it under their key.
EVENTS = [Event("command", name) for name in COMMANDS[:-1]] + [Event("command", "langue", "en")]


class Transport:
    """Delivers replies in the order `deliver` is called; the first delivery waits for the
    gate, so that the member's lock is held meanwhile."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.delivered: list[list[Reply]] = []

    async def deliver(self, replies: list[Reply]) -> None:
        if not self.delivered:
            self.delivered.append(replies)
            await self.gate.wait()
            return
        self.delivered.append(replies)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def texts(batches: list[list[Reply]]) -> list[list[str]]:
    return [[r.text for r in replies] for replies in batches]


async def test_a_members_later_updates_wait_in_their_own_task_and_keep_their_order(
    service: Vigie,
) -> None:
    events = EVENTS
    expected = [await service.handle(Actor(2, 2, "fr"), e) for e in events]
    member, transport = Actor(1, 1, "fr"), Transport()

    tasks = []
    for event in events:
        tasks.append(asyncio.create_task(service.handle(member, event, transport.deliver)))
        await settle()
    # The first holds the member's lock; two wait for it in the transport's tasks; the
    # others went to a task of their own and gave the transport its slot back at once.
    assert [t.done() for t in tasks] == [False, False, False, True, True]
    assert [tasks[3].result(), tasks[4].result()] == [[], []]

    transport.gate.set()
    served = await asyncio.gather(*tasks[:3])
    await service.stop()
    assert texts(transport.delivered) == texts(expected)
    assert texts(served) == texts(expected[:3])
    assert service._queued == {} and service._background == set()
    stored = await service.sessions.get(service.key(member))
    assert stored is not None and stored.lang == "en"


async def test_another_member_is_answered_while_the_first_ones_reply_is_still_going_out(
    service: Vigie,
) -> None:
    slow, transport = Actor(1, 1, "fr"), Transport()
    first = asyncio.create_task(service.handle(slow, Event("command", "aide"), transport.deliver))
    await settle()
    other = await asyncio.wait_for(
        service.handle(Actor(2, 2, "fr"), Event("command", "aide"), transport.deliver), 10)
    assert other and not first.done()
    transport.gate.set()
    await first


async def test_nothing_is_kept_per_member_once_their_queued_updates_are_answered(
    service: Vigie,
) -> None:
    member, transport = Actor(1, 1, "fr"), Transport()
    tasks = []
    for name in COMMANDS:
        tasks.append(asyncio.create_task(
            service.handle(member, Event("command", name), transport.deliver)))
        await settle()
    transport.gate.set()
    await asyncio.gather(*tasks)
    await service.stop()
    await settle()
    assert service._locks == {}


class GatedTransport:
    """Holds the deliveries whose number (1, 2, ...) has a gate, until the gate opens."""

    def __init__(self, *held: int) -> None:
        self.gates = {n: asyncio.Event() for n in held}
        self.delivered: list[list[Reply]] = []

    async def deliver(self, replies: list[Reply]) -> None:
        self.delivered.append(replies)
        gate = self.gates.get(len(self.delivered))
        if gate is not None:
            await gate.wait()


async def test_while_an_update_is_queued_later_ones_queue_behind_it_even_with_few_waiting(
    service: Vigie,
) -> None:
    events = [Event("command", name) for name in COMMANDS]
    expected = [await service.handle(Actor(2, 2, "fr"), e) for e in events]
    member, transport = Actor(1, 1, "fr"), GatedTransport(1, 3)
    tasks = []
    for event in events[:4]:
        tasks.append(asyncio.create_task(service.handle(member, event, transport.deliver)))
        await settle()
    assert [t.done() for t in tasks] == [False, False, False, True]  # the fourth is queued
    transport.gates[1].set()
    for _ in range(500):  # the third holds the lock, held at its delivery
        if len(transport.delivered) == 3:
            break
        await asyncio.sleep(0.01)
    assert len(transport.delivered) == 3 and not tasks[2].done()
    fifth = asyncio.create_task(service.handle(member, events[4], transport.deliver))
    await settle()
    assert fifth.done() and fifth.result() == []
    transport.gates[3].set()
    await asyncio.gather(*tasks)
    await service.stop()
    assert texts(transport.delivered) == texts(expected)


async def test_without_a_transport_every_update_waits_its_turn_and_gets_its_replies(
    service: Vigie,
) -> None:
    events = [Event("command", name) for name in COMMANDS]
    expected = [await service.handle(Actor(2, 2, "fr"), e) for e in events]
    member = Actor(1, 1, "fr")
    served = await asyncio.gather(*(service.handle(member, e) for e in events))
    assert texts(list(served)) == texts(expected)
    assert service._locks == {}


async def test_the_flood_notice_is_delivered_once_in_the_members_language(
    service: Vigie,
) -> None:
    service.flood = FloodGuard(limit=1)
    member, transport = Actor(1, 1, "en-GB"), Transport()
    transport.gate.set()
    await service.handle(member, Event("command", "aide"), transport.deliver)
    notice = await service.handle(member, Event("command", "aide"), transport.deliver)
    dropped = await service.handle(member, Event("command", "aide"), transport.deliver)
    assert dropped == []
    assert len(transport.delivered) == 2 and transport.delivered[1] == notice
    assert [r.text for r in notice] == [service.content.ui.get("flood.slow_down", "en")]
    assert service.content.ui.get("flood.slow_down", "en") != service.content.ui.get(
        "flood.slow_down", "fr")


async def test_the_flood_notice_is_returned_when_there_is_no_transport(service: Vigie) -> None:
    service.flood = FloodGuard(limit=1)
    member = Actor(1, 1, "fr")
    await service.handle(member, Event("command", "aide"))
    notice = await service.handle(member, Event("command", "aide"))
    assert [r.text for r in notice] == [service.content.ui.get("flood.slow_down", "fr")]
    assert await service.handle(member, Event("command", "aide")) == []
