"""A real server on 127.0.0.1 and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import live, server  # noqa: F401  (fixtures)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


class Journey:
    """A page that records console errors and any request leaving 127.0.0.1, with screenshots."""

    def __init__(
        self, browser: object, base: str, name: str, *, width: int = 1280, height: int = 900
    ) -> None:
        self.context = browser.new_context(
            accept_downloads=True, viewport={"width": width, "height": height}
        )  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.base, self.name, self.errors, self.outside = base, name, [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._watch)
        self.shots = 0

    def _watch(self, request: object) -> None:
        url: str = request.url  # type: ignore[attr-defined]
        if not url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            self.outside.append(url)

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, label: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        # Viewport shots: full-page capture stalls on pages whose charts keep re-laying out.
        self.page.screenshot(
            path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}-{label}.png"),
            animations="disabled",
            timeout=15000,
        )

    def sign_in(self, username: str, password: str) -> None:
        self.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("form.form button[type=submit]")
        self.page.wait_for_load_state()

    def close(self) -> None:
        self.context.close()
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside}"
        assert self.errors == [], f"console errors: {self.errors}"
