"""A real server on 127.0.0.1 and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from kaifang import migrate
from kaifang.config import Settings
from kaifang.runtime import build_runtime

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with the demo city and a small demo catalogue, served by uvicorn in a thread."""
    from kaifang.app import create_app
    from kaifang.composition import compose
    from kaifang.demo import tenancy
    from kaifang.demo.catalog import load_demo_catalog
    from kaifang.demo.tables import make_attacher

    data_dir = tmp_path_factory.mktemp("e2e")
    settings = Settings(
        env="test",
        data_dir=data_dir,
        secret_key="e2e-" + "k" * 40,
        queue_backend="memory",
        worker_in_process=False,
    )
    runtime = build_runtime(settings)
    migrate.upgrade(runtime.db.engine)
    compose(runtime, embedded_worker=False)
    with runtime.db.unit_of_work() as session:
        tenancy.load_regions(session, with_streets=False)
        tenancy.load_accounts(session, tenancy.load_organizations(session))
    with runtime.db.unit_of_work() as session:
        load_demo_catalog(
            session,
            template=settings.catalog_code_template,
            attach=make_attacher(settings, runtime.blobs),
            limit=6,
        )
    port = _free_port()
    config = uvicorn.Config(
        create_app(runtime=runtime), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


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

    def __init__(self, browser: object, base: str, name: str) -> None:
        self.context = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}
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
