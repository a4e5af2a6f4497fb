"""Who gets into the web console: only an admin, through a fresh /console link.

Plain HTTP against the console that `vigie run` serves, the link coming from the bot
talking to the fake Bot API. Every refusal the issue lists has its test here.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from bot.web import auth
from tests.web_support import ADMIN, Console, api, console, console_link, launch_console

__all__ = ["api", "console", "launch_console"]  # the fixtures this module uses


async def test_an_admin_signs_in_through_the_link_and_reaches_the_overview(
    console: Console,
) -> None:
    harness, new_staff = console
    link = await console_link(harness)
    staff = await new_staff()
    status, page = await staff.sign_in(link)
    assert status == 200
    assert "<h1>Vue d&#39;ensemble</h1>" in page and "Questions par jour" in page
    assert str(ADMIN) not in page  # never a raw Telegram id


async def test_the_session_cookie_is_httponly_strict_and_lasts_twelve_hours(
    console: Console,
) -> None:
    harness, new_staff = console
    link = await console_link(harness)
    staff = await new_staff()
    await staff.get(link[len(staff.base):])
    async with staff.http.post(
        staff.base + "/login", data={"token": link.rsplit("/", 1)[1]}, allow_redirects=False
    ) as response:
        assert response.status == 303
        cookie = SimpleCookie(response.headers["Set-Cookie"])["vigie_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert int(cookie["max-age"]) == 12 * 3600
    assert not cookie["secure"]  # plain http on loopback; https URLs get Secure (unit test)


async def test_a_used_link_is_refused(console: Console) -> None:
    harness, new_staff = console
    link = await console_link(harness)
    first, second = await new_staff(), await new_staff()
    assert (await first.sign_in(link))[0] == 200
    status, page = await second.get(link[len(second.base):])
    assert status == 403 and "déjà servi" in page
    status, page = await second.post("/login", {"token": link.rsplit("/", 1)[1]}, csrf=False)
    assert status == 403
    assert (await second.get("/"))[0] == 403


async def test_an_expired_link_is_refused(console: Console, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    harness, new_staff = console
    link = await console_link(harness)
    monkeypatch.setattr(auth, "LINK_SECONDS", 0)  # links issued from now expire at once
    stale = await console_link(harness)
    staff = await new_staff()
    status, page = await staff.get(stale[len(staff.base):])
    assert status == 403 and "expiré" in page
    assert (await staff.post("/login", {"token": stale.rsplit("/", 1)[1]}, csrf=False))[0] == 403
    assert (await staff.sign_in(link))[0] == 200  # the earlier link still works


async def test_no_cookie_or_a_forged_cookie_is_refused(console: Console) -> None:
    _, new_staff = console
    staff = await new_staff()
    status, page = await staff.get("/")
    assert status == 403 and "/console" in page
    status, _ = await staff.get("/", cookies={"vigie_console": "forged-session-id"})
    assert status == 403


async def test_a_form_without_the_csrf_token_is_refused(console: Console) -> None:
    harness, new_staff = console
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))
    status, page = await staff.post("/logout", {}, csrf=False)
    assert status == 403 and "formulaire a expiré" in page
    status, _ = await staff.post("/logout", {"csrf": "not-the-token"}, csrf=False)
    assert status == 403
    assert (await staff.get("/"))[0] == 200  # still signed in: nothing was done


async def test_a_non_admin_gets_the_ordinary_unknown_command_answer(console: Console) -> None:
    harness, _ = console
    member = await harness.chat(7).send("/console")
    stranger_unknown = await harness.chat(8).send("/nimportequoi")
    assert member[-1].text == stranger_unknown[-1].text
    assert "/login/" not in member[-1].text


async def test_an_admin_removed_from_the_list_loses_access_at_the_next_request(
    console: Console,
) -> None:
    harness, new_staff = console
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))
    assert (await staff.get("/"))[0] == 200
    service = harness.app.bot_data["vigie_service"]
    service.admin_ids = frozenset()
    assert (await staff.get("/"))[0] == 403


async def test_signing_out_ends_the_session(console: Console) -> None:
    harness, new_staff = console
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))
    status, page = await staff.post("/logout", {})
    assert status == 200 and "déconnecté" in page
    assert (await staff.get("/"))[0] == 403


async def test_every_response_carries_the_strict_headers(console: Console) -> None:
    harness, new_staff = console
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))
    for path in ("/", "/static/console.css", "/nowhere"):
        async with staff.http.get(staff.base + path) as response:
            headers = response.headers
            csp = headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "script-src 'self'" in csp, path
            assert "frame-ancestors 'none'" in csp
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["Cache-Control"] == "no-store"
            assert headers["Referrer-Policy"] == "no-referrer"
    async with staff.http.get(staff.base + "/") as response:
        page = await response.text()
    assert "<script>" not in page and "style=" not in page and "http://" not in page.replace(
        "http://www.w3.org/2000/svg", ""
    )


async def test_english_when_the_browser_asks_for_it(console: Console) -> None:
    harness, new_staff = console
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))
    _, page = await staff.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert "Questions per day" in page and '<html lang="en">' in page


async def test_an_https_console_sets_a_secure_host_only_cookie(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from aiohttp.test_utils import TestClient, TestServer

    from bot.settings import Settings
    from bot.web.context import Console
    from bot.web.server import build_app

    settings = Settings.from_env(
        {"VIGIE_CONSOLE_URL": "https://vigie.example.org", "VIGIE_DB": str(tmp_path / "x.db")}
    )
    access = auth.ConsoleAuth(lambda key: key == "admin-key")
    app = build_app(Console(None, None, None, settings, tmp_path, dict), access)  # type: ignore[arg-type]
    token = access.issue_link_token("admin-key")
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/login", data={"token": token}, allow_redirects=False)
        cookie = SimpleCookie(response.headers["Set-Cookie"])["__Host-vigie"]
    assert response.status == 303
    assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_link_lives_ten_minutes_and_a_session_twelve_hours() -> None:
    clock, admins = Clock(), {"key-a"}
    access = auth.ConsoleAuth(lambda key: key in admins, clock)
    token = access.issue_link_token("key-a")
    clock.now += 599
    session_id = access.redeem(token)
    assert session_id is not None and access.redeem(token) is None  # once only
    late = access.issue_link_token("key-a")
    clock.now += 600
    assert access.redeem(late) is None  # ten minutes have passed
    clock.now += 12 * 3600 - 600 - 2
    assert access.session(session_id) is not None
    clock.now += 2
    assert access.session(session_id) is None  # twelve hours after signing in


def test_a_link_issued_to_an_admin_who_is_no_longer_one_is_refused() -> None:
    admins = {"key-a"}
    access = auth.ConsoleAuth(lambda key: key in admins)
    token = access.issue_link_token("key-a")
    admins.clear()
    assert not access.link_is_valid(token) and access.redeem(token) is None


def test_the_language_is_the_one_the_browser_ranks_first() -> None:
    from bot.web.i18n import pick_language

    assert pick_language("") == "fr"
    assert pick_language("en-US,en;q=0.9") == "en"
    assert pick_language("de-DE,de;q=0.9,en;q=0.8,fr;q=0.7") == "en"
    assert pick_language("en;q=0.5,fr-FR;q=0.8") == "fr"
    assert pick_language("en;q=0,fr") == "fr"
    assert pick_language("es,it") == "fr"


async def test_an_unknown_page_says_so_in_one_sentence(console: Console) -> None:
    harness, new_staff = console
    staff = await new_staff()
    await staff.sign_in(await console_link(harness))
    status, page = await staff.get("/nowhere")
    assert status == 404 and "Cette page n&#39;existe pas" in page


def test_every_french_text_has_its_english_and_the_reverse() -> None:
    from bot.web.strings_en import EN
    from bot.web.strings_fr import FR

    assert set(FR) == set(EN)


def test_every_text_a_template_asks_for_exists() -> None:
    import re
    from pathlib import Path

    from bot.web.strings_fr import FR

    templates = Path(auth.__file__).parent / "templates"
    asked = {
        key
        for page in templates.glob("*.html")
        for key in re.findall(r"""t\(\s*["']([a-z_.]+)["']""", page.read_text(encoding="utf-8"))
    }
    asked = {k for k in asked if not k.endswith(".")}  # "status." ~ status: listed below
    asked |= {f"status.{s}" for s in ("running", "paused", "done", "cancelled")}
    asked |= {f"alerts.op.{op}" for op in ("pause", "resume", "cancel")}
    assert asked - set(FR) == set()


async def test_a_busy_console_port_is_one_sentence_for_the_operator(
    api, content, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    import socket

    import pytest

    from bot.cli_support import CliError
    from tests.e2e_support import Harness

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        harness = Harness(api, content, tmp_path, VIGIE_CONSOLE_PORT=str(port))
        sentence = f"cannot listen on 127.0.0.1:{port}.*VIGIE_CONSOLE_PORT"
        with pytest.raises(CliError, match=sentence):
            await harness.start()
        await harness.stop()


def test_console_settings_refuse_malformed_values_in_one_sentence() -> None:
    import pytest

    from bot.settings import Settings, SettingsError

    defaults = Settings.from_env({})
    assert (defaults.console_url, defaults.console_host, defaults.console_port) == (
        "http://127.0.0.1:8787", "127.0.0.1", 8787
    )
    assert Settings.from_env({"VIGIE_CONSOLE_PORT": "0"}).console_port == 0
    assert Settings.from_env({"VIGIE_CONSOLE_URL": "https://c.example.org/"}).console_url == (
        "https://c.example.org"
    )
    with pytest.raises(SettingsError, match="VIGIE_CONSOLE_PORT must be a port number"):
        Settings.from_env({"VIGIE_CONSOLE_PORT": "eighty"})
    with pytest.raises(SettingsError, match="VIGIE_CONSOLE_URL must be"):
        Settings.from_env({"VIGIE_CONSOLE_URL": "console.example.org"})
