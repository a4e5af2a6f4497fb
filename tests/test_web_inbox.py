"""The inbox of questions Vigie did not understand, turned into phrasings from the console."""

from __future__ import annotations

import difflib
from pathlib import Path

from bot.content.intent_edit import round_trip
from bot.content.loader import load_content
from tests.conftest import ROOT
from tests.test_web_health import content_copy
from tests.web_support import Console, Launch, Staff, api, console_link, launch_console

__all__ = ["api", "launch_console"]

QUESTION = "mon logiciel patient fait un bruit bizarre"
TOPIC = "security.practice_software"


async def started(launch_console: Launch, tmp_path: Path, **env: str) -> tuple[Console, Path]:
    root = content_copy(tmp_path)
    console = await launch_console(content=load_content(root), VIGIE_CONTENT_DIR=str(root), **env)
    return console, root


async def staff_of(console: Console) -> Staff:
    harness, new_staff = console
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))
    return staff


def test_every_intent_file_survives_the_round_trip_byte_for_byte() -> None:
    for path in sorted((ROOT / "intents").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert round_trip(text) == text, path.name


async def test_a_phrasing_from_the_inbox_is_added_and_answered_after_the_reload(
    launch_console: Launch, tmp_path: Path
) -> None:
    console, root = await started(launch_console, tmp_path)
    harness, _ = console
    member = harness.chat(101)
    title = harness.content.title(TOPIC, "fr")
    assert title not in (await member.send(QUESTION))[-1].text  # not understood
    staff = await staff_of(console)
    _, page = await staff.get("/inbox")
    assert f"« {QUESTION} »" in page and "Vigie a hésité entre" in page

    before = (root / "intents" / "security_technical.yaml").read_text(encoding="utf-8")
    status, page = await staff.post(
        "/inbox/add", {"example": QUESTION, "phrasing": QUESTION, "topic": TOPIC, "lang": "fr"}
    )
    assert status == 200 and "Formulation ajoutée" in page
    assert f"« {QUESTION} »" not in page  # the group left the inbox
    after = (root / "intents" / "security_technical.yaml").read_text(encoding="utf-8")
    changes = [
        line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changes == [f'+      - "{QUESTION}"'], changes  # one line: comments, layout kept

    replies = await member.send(QUESTION)
    assert title in replies[0].text  # answered now, without a restart
    assert harness.count("unmatched") == 0


async def test_a_phrasing_the_content_check_refuses_leaves_the_file_as_it_was(
    launch_console: Launch, tmp_path: Path
) -> None:
    console, root = await started(launch_console, tmp_path)
    harness, _ = console
    await harness.chat(101).send(QUESTION)
    staff = await staff_of(console)
    files = {p: p.read_bytes() for p in (root / "intents").glob("*.yaml")}
    taken = harness.content.intents["gdpr.dpo"].examples["fr"][0]  # another topic's phrasing
    status, page = await staff.post(
        "/inbox/add", {"example": QUESTION, "phrasing": taken, "topic": TOPIC, "lang": "fr"}
    )
    assert status == 400 and "Formulation refusée" in page and "intents/" in page
    assert {p: p.read_bytes() for p in files} == files
    assert f"« {QUESTION} »" in page  # still waiting
    version = harness.app.bot_data["vigie_service"].content.version
    assert version == harness.content.version  # nothing was reloaded


async def test_a_group_can_be_dismissed(launch_console: Launch, tmp_path: Path) -> None:
    console, _ = await started(launch_console, tmp_path)
    harness, _ = console
    await harness.chat(101).send(QUESTION)
    await harness.chat(102).send(QUESTION + " svp")
    staff = await staff_of(console)
    _, page = await staff.get("/inbox")
    assert '<span class="badge">× 2</span>' in page
    status, page = await staff.post("/inbox/dismiss", {"example": QUESTION})
    assert status == 200 and "Groupe écarté" in page and QUESTION not in page
    assert harness.count("unmatched") == 0


async def test_the_inbox_says_how_to_turn_the_log_on_when_it_is_off(
    launch_console: Launch, tmp_path: Path
) -> None:
    console, _ = await started(launch_console, tmp_path, VIGIE_UNMATCHED_LOG="0")
    harness, _ = console
    await harness.chat(101).send(QUESTION)
    staff = await staff_of(console)
    _, page = await staff.get("/inbox")
    assert "VIGIE_UNMATCHED_LOG=1" in page and QUESTION not in page
