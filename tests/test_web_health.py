"""Content health: the content check with file:line, answers to review, unasked topics, flows."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.content.loader import load_content
from tests.conftest import ROOT
from tests.web_support import Launch, api, console_link, launch_console

__all__ = ["api", "launch_console"]


def content_copy(tmp_path: Path) -> Path:
    root = tmp_path / "association"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copytree(ROOT / "intents", root / "intents")
    return root


async def test_health_shows_check_problems_stale_answers_unasked_topics_and_flows(
    launch_console: Launch, tmp_path: Path
) -> None:
    root = content_copy(tmp_path)
    answer = next(root.glob("content/answers/*.yaml"))
    text = answer.read_text(encoding="utf-8")
    first_date = text.split("last_reviewed:", 1)[1].split()[0]
    answer.write_text(text.replace(f"last_reviewed: {first_date}", "last_reviewed: 2020-01-15", 1),
                      encoding="utf-8")
    content = load_content(root)
    harness, new_staff = await launch_console(content=content, VIGIE_CONTENT_DIR=str(root))
    await harness.chat(101).send("rgpd cabinet medical par ou commencer")
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))

    status, page = await staff.get("/health")
    assert status == 200
    assert 'id="error-count">0<' in page
    # The answer due for review: a warning of the check, with its file and line, and listed.
    assert f"content/answers/{answer.name}:" in page
    assert "2020-01-15" in page.split('id="stale"', 1)[1]
    unasked = page.split('id="unasked"', 1)[1].split("</section>", 1)[0]
    assert "gdpr.applies_to_me" not in unasked and "gdpr." in unasked
    flows = page.split('id="flows"', 1)[1]
    assert flows.count("<svg") == len(content.flows)
    breach = content.flows["breach_notification"]
    assert breach.nodes[breach.start].text("fr")[:30].split("'")[0] in flows

    # An editor breaks an intent file: the check shows it with its file and line.
    broken = root / "intents" / "smalltalk.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "\n  oops: [unclosed\n",
                      encoding="utf-8")
    _, page = await staff.get("/health")
    assert "intents/smalltalk.yaml:" in page and 'id="error-count">1<' in page
