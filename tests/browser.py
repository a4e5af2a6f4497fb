"""A real browser for the console tests: headless Chromium from the distribution's
packages (`chromium`, `chromium-driver`), driven by Selenium, nothing downloaded.

Selenium is blocking, so every call runs in a thread (`Browser.do`) while the event loop
keeps serving the console and the fake Bot API.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
AXE = Path(__file__).parent / "assets" / "axe-core-4.14.1.min.js"
MISSING = (
    "the browser tests need Chromium and its driver from the distribution: "
    "`apt-get install chromium chromium-driver` (make test installs them when run as root)"
)


def require_browser() -> None:
    if CHROMIUM and DRIVER:
        return
    if os.environ.get("CI"):
        pytest.fail(MISSING)  # CI installs them (.ci/run): their absence is a failure there
    pytest.skip(MISSING)


class Browser:
    def __init__(self, language: str = "fr-FR") -> None:
        os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download anything
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--force-device-scale-factor=1",
            "--hide-scrollbars",
            f"--lang={language}",
        ):
            options.add_argument(arg)
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        self.driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
        self.driver.set_page_load_timeout(30)

    async def do(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    async def open(self, url: str) -> None:
        await self.do(self.driver.get, url)

    async def text(self, css: str) -> str:
        from selenium.webdriver.common.by import By

        element = await self.do(self.driver.find_element, By.CSS_SELECTOR, css)
        return str(await self.do(lambda: element.text))

    async def click(self, css: str) -> None:
        from selenium.webdriver.common.by import By

        element = await self.do(self.driver.find_element, By.CSS_SELECTOR, css)
        await self.do(element.click)

    async def fill(self, css: str, value: str) -> None:
        from selenium.webdriver.common.by import By

        element = await self.do(self.driver.find_element, By.CSS_SELECTOR, css)
        await self.do(element.clear)
        await self.do(element.send_keys, value)

    async def wait_for(self, script: str, timeout: float = 20) -> Any:
        """Poll a JavaScript expression until it is truthy."""
        for _ in range(int(timeout / 0.2)):
            value = await self.do(self.driver.execute_script, f"return ({script});")
            if value:
                return value
            await asyncio.sleep(0.2)
        raise AssertionError(f"never true in the browser: {script}")

    async def screenshot(self, path: Path) -> None:
        """The whole page, at 1280 px wide."""
        height = await self.do(
            self.driver.execute_script, "return document.documentElement.scrollHeight;"
        )
        await self.do(self.driver.set_window_size, 1280, max(int(height), 700))
        path.parent.mkdir(parents=True, exist_ok=True)
        await self.do(self.driver.save_screenshot, str(path))
        await self.do(self.driver.set_window_size, 1280, 900)

    async def axe_violations(self) -> list[dict[str, Any]]:
        """axe-core's WCAG 2.1 A/AA rules (contrast, labels, names...) on the current page."""
        await self.do(self.driver.execute_script, AXE.read_text(encoding="utf-8"))
        result = await self.do(
            self.driver.execute_async_script,
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))"
            ".catch(e => done([{id: 'axe-error', impact: String(e), nodes: []}]));",
        )
        return list(result)

    async def keyboard_reaches_every_control(self) -> list[str]:
        """Tab through the page; the visible controls the keyboard never reached."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        controls: list[str] = await self.do(
            self.driver.execute_script,
            "const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]),"
            " select, textarea')].filter(e => e.offsetParent !== null && !e.disabled);"
            "all.forEach((e, i) => e.setAttribute('data-kb', String(i)));"
            "document.activeElement && document.activeElement.blur();"
            "return all.map(e => e.getAttribute('data-kb'));",
        )
        reached: set[str] = set()
        chain = ActionChains(self.driver)
        for _ in range(len(controls) + 5):
            await self.do(chain.send_keys(Keys.TAB).perform)
            mark = await self.do(
                self.driver.execute_script,
                "return document.activeElement && document.activeElement.getAttribute('data-kb');",
            )
            if mark is not None:
                reached.add(str(mark))
        missing: list[str] = await self.do(
            self.driver.execute_script,
            "return arguments[0].map(i => document.querySelector(`[data-kb=\"${i}\"]`).outerHTML"
            ".slice(0, 120));",
            [c for c in controls if c not in reached],
        )
        return missing

    async def quit(self) -> None:
        await self.do(self.driver.quit)
