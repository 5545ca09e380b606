"""Sources to harvest over loopback: a second live Kaifang instance, and a misbehaving server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from kaifang import migrate
from kaifang.auth.actor import SYSTEM
from kaifang.catalog import resources, workflow
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.config import Settings
from kaifang.runtime import Runtime, build_runtime
from tests import factories
from tests.live_server import serving

TITLES = ("公交线路信息", "空气质量监测日报", "企业登记信息")


@dataclass
class SourceInstance:
    """A running second platform: its URL, runtime (to edit its catalogue) and dataset ids."""

    url: str
    runtime: Runtime
    dataset_ids: list[int]

    @property
    def host(self) -> str:
        return self.url.removeprefix("http://")


def _publish_catalogue(session: Session) -> list[int]:
    seed_vocabularies(session)
    org = factories.organization(session, region_code="331002", name="椒江区交通运输局")
    ids = []
    for n, title in enumerate(TITLES):
        dataset = factories.published_dataset(
            session, org=org, title=title, keywords=["测试", f"k{n}"], domains=["交通出行"]
        )
        ids.append(dataset.id)
    resources.create_resource(
        session,
        actor=SYSTEM,
        dataset_id=ids[0],
        name="线路接口",
        kind="api",
        url="https://example.org/api/lines",
        fmt="API",
    )
    return ids


@contextmanager
def kaifang_instance(data_dir: Path) -> Iterator[SourceInstance]:
    """A second Kaifang with its own data directory and SQLite database, serving three datasets."""
    from kaifang.app import create_app
    from kaifang.composition import compose

    settings = Settings(
        env="test",
        data_dir=data_dir,
        secret_key="source-" + "s" * 40,
        queue_backend="memory",
        worker_in_process=False,
    )
    runtime = build_runtime(settings)
    migrate.upgrade(runtime.db.engine)
    compose(runtime, embedded_worker=False)
    with runtime.db.unit_of_work() as session:
        ids = _publish_catalogue(session)
    try:
        with serving(create_app(runtime=runtime)) as url:
            yield SourceInstance(url, runtime, ids)
    finally:
        runtime.db.engine.dispose()


def withdraw_at_source(instance: SourceInstance, dataset_id: int) -> None:
    with instance.runtime.db.unit_of_work() as session:
        workflow.withdraw_dataset(session, actor=SYSTEM, dataset_id=dataset_id, reason="停止开放")


class _Canned(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the status and body the server was given."""

    def do_GET(self) -> None:
        status, body = self.server.canned  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@contextmanager
def canned_server(status: int, body: bytes) -> Iterator[str]:
    """A loopback HTTP server answering every request with ``status`` and ``body``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    server.canned = (status, body)  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
