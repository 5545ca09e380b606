"""A live Kaifang server on 127.0.0.1 with the demo city and a few demo datasets (module scope)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from kaifang import migrate
from kaifang.config import Settings
from kaifang.runtime import Runtime, build_runtime


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Runtime]]:
    """The app with the demo city and a small demo catalogue, served by uvicorn in a thread;
    its URL and its runtime (for tests that must set up what no page offers)."""
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
    with serving(create_app(runtime=runtime)) as url:
        yield url, runtime


@pytest.fixture(scope="module")
def server(live: tuple[str, Runtime]) -> str:
    """The live server's URL."""
    return live[0]


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yields its base URL."""
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
