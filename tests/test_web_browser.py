"""The console in a real browser (headless Chromium): what an admin does, end to end.

Signs in through the real /console link, reads the overview, adds a phrasing from the
inbox and sees it answered, sends an alert and watches the bar reach 100 %, reads the
content health; axe-core checks every page (labels, names, contrast) and the keyboard
reaches every control. The refusals are checked in the browser too.
Screenshots go to $VIGIE_SCREENSHOTS (`make screenshots` writes docs/console/).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.content.loader import load_content
from bot.storage.stores import SqliteStats, SqliteSubscriptions
from bot.web import auth
from tests.browser import Browser, require_browser
from tests.test_web_health import content_copy
from tests.web_support import Launch, api, console_link, launch_console

__all__ = ["api", "launch_console"]

QUESTION = "mon logiciel patient fait un bruit bizarre"
TOPIC = "security.practice_software"
TOPICS = [
    "breach.start_flow", "gdpr.applies_to_me", "security.phishing", "gdpr.dpo",
    "security.passwords", "gdpr.processing_register", "security.backups",
    "breach.inform_patients", "security.box_internet", "gdpr.patient_access",
    "security.secure_messaging", "security.practice_software",
]


@pytest.fixture
async def browser() -> Browser:  # type: ignore[misc]
    require_browser()
    chrome = Browser()
    yield chrome
    await chrome.quit()


async def seed_activity(db: object, content: object) -> None:
    """Thirty days of anonymous counters, so that the plots have something to show."""
    stats = SqliteStats(db)  # type: ignore[arg-type]
    known = [t for t in TOPICS if t in content.answers]  # type: ignore[attr-defined]
    today = datetime.now(UTC).date()
    for back in range(30):
        day = (today - timedelta(days=back)).isoformat()
        for n in range(6 + (back * 7) % 11):
            await stats.count_topic(day, known[(back + n * 5) % len(known)], "answer")
        for n in range(back % 4):
            await stats.count_topic(day, known[(back + n) % len(known)], "clarify")
        for _ in range((back * 3) % 4):
            await stats.count_topic(day, "-", "fallback")
        if back % 3 == 0:
            await stats.count_event(day, "start:breach_notification")
            await stats.count_event(day, "start:security_checkup")
        if back % 6 == 0:
            await stats.count_event(day, "verdict:breach_notification:notify_authority")
            await stats.count_event(day, "score:security_checkup:medium")
        if back % 9 == 0:
            await stats.count_event(day, "verdict:breach_notification:document_only")
        for _ in range((back * 5) % 3):
            await stats.count_event(day, "alerts_joined")


async def test_an_admin_uses_the_four_pages_in_a_browser(
    launch_console: Launch, browser: Browser, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("VIGIE_SCREENSHOTS") or tmp_path / "shots")
    root = content_copy(tmp_path)
    harness, _ = await launch_console(content=load_content(root), VIGIE_CONTENT_DIR=str(root))
    db = harness.app.bot_data["vigie_db"]
    await seed_activity(db, harness.content)
    subscriptions = SqliteSubscriptions(db)
    for chat in range(6001, 6041):
        await subscriptions.put(chat, "fr", ("urgent",))
    member = harness.chat(101)
    await member.send(QUESTION)
    await harness.chat(102).send("le dossier patient clignote en orange")
    problems: dict[str, object] = {}

    async def check(page: str) -> None:
        await browser.screenshot(shots / f"{page}.png")
        violations = await browser.axe_violations()
        if violations:
            problems[f"{page}: axe"] = violations
        missing = await browser.keyboard_reaches_every_control()
        if missing:
            problems[f"{page}: keyboard"] = missing

    # Sign in through the link the bot sent.
    await browser.open(await console_link(harness))
    await check("login")
    await browser.click("#open-console")
    await browser.wait_for("document.querySelector('h1') && location.pathname === '/'")
    assert await browser.text("h1") == "Vue d'ensemble"
    assert "Questions par jour" in await browser.text("#questions h2")
    await check("overview")

    # The inbox: add the phrasing Vigie did not understand, then the member is answered.
    await browser.click("nav a[href='/inbox']")
    assert QUESTION in await browser.text("#groups")
    await check("inbox")
    await browser.do(
        browser.driver.execute_script,
        f"document.querySelector('#topic-1').value = '{TOPIC}';"
        f"if (!document.querySelector('#phrasing-1').value.includes('logiciel'))"
        f" throw new Error('the first group is not the expected one');",
    )
    await browser.click("#groups form.add button")
    await browser.wait_for("document.querySelector('#inbox-notice') !== null", timeout=60)
    assert "Formulation ajoutée" in await browser.text("#inbox-notice")
    replies = await member.send(QUESTION)
    assert harness.content.title(TOPIC, "fr") in replies[0].text

    # An alert: write, preview, send, watch the bar reach 100 %.
    await browser.click("nav a[href='/alerts']")
    await check("alerts")
    # The accessibility check can fail: a field without its label is caught.
    await browser.do(
        browser.driver.execute_script, "document.querySelector('label[for=alert-text]').remove();"
    )
    assert "label" in {v["id"] for v in await browser.axe_violations()}
    await browser.open(harness.settings.console_url + "/alerts")
    await browser.fill("#alert-text", "Une campagne d'hameçonnage vise les cabinets : ne "
                       "cliquez pas sur les liens des courriels « Ameli » reçus aujourd'hui.")
    await browser.click("#write button[type=submit]")
    await browser.wait_for("document.querySelector('#recipients') !== null")
    assert "40 abonné(s)" in await browser.text("#recipients")
    await check("alert-preview")
    await browser.click("#send")
    await browser.wait_for("document.querySelector('#status') !== null")
    await browser.wait_for("document.querySelector('#status').dataset.status === 'done'")
    assert await browser.text("#percent") == "100"
    assert await browser.text("#sent") == "40"
    await check("alert-progress")

    # Content health.
    await browser.click("nav a[href='/health']")
    await browser.wait_for("document.querySelector('#flows svg') !== null", timeout=60)
    await check("health")

    assert problems == {}


async def test_the_browser_is_refused_a_reused_or_expired_link_a_forged_cookie_and_no_csrf(
    launch_console: Launch, browser: Browser, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    harness, _ = await launch_console()
    base = harness.settings.console_url
    link = await console_link(harness)
    await browser.open(link)
    await browser.click("#open-console")
    await browser.wait_for("location.pathname === '/'")

    # A missing CSRF token: the logout form without its hidden field.
    await browser.do(
        browser.driver.execute_script,
        "document.querySelector('form.logout input[name=csrf]').remove();",
    )
    await browser.click("form.logout button")
    await browser.wait_for("document.querySelector('#refusal') !== null")
    assert "formulaire a expiré" in await browser.text("#refusal")
    await browser.open(base + "/")
    assert await browser.text("h1") == "Vue d'ensemble"  # nothing happened

    # The same link again.
    await browser.open(link)
    assert "déjà servi" in await browser.text("#refusal")

    # A forged cookie.
    await browser.do(browser.driver.delete_all_cookies)
    await browser.do(browser.driver.add_cookie, {"name": "vigie_console", "value": "forged"})
    await browser.open(base + "/")
    assert "/console" in await browser.text("#refusal")
    await browser.screenshot(Path(os.environ.get("VIGIE_SCREENSHOTS") or tmp_path) / "refused.png")

    # An expired link.
    monkeypatch.setattr(auth, "LINK_SECONDS", 0)
    await browser.open(await console_link(harness))
    assert "expiré" in await browser.text("#refusal")

    # A member who is not an admin gets no link at all.
    replies = await harness.chat(7).send("/console")
    assert "/login/" not in replies[-1].text
