"""`kaifang serve` and `kaifang worker`."""

from __future__ import annotations

import typer
import uvicorn

from kaifang.cli.common import composed_runtime, runtime
from kaifang.config import load_settings

serve_app = typer.Typer()


def serve(
    host: str | None = typer.Option(None, help="default: KAIFANG_HOST"),
    port: int | None = typer.Option(None, help="default: KAIFANG_PORT"),
    with_worker: bool = typer.Option(True, help="also run the job worker in this process"),
) -> None:
    """Serve the platform over HTTP (one process; run several behind a proxy to scale)."""
    from kaifang.app import create_app

    settings = load_settings()
    rt = composed_runtime(embedded_worker=with_worker and settings.worker_in_process)
    app = create_app(runtime=rt)
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )


def worker() -> None:
    """Run the job worker (ingest, scans, reports) until interrupted."""
    from kaifang.composition import run_worker

    run_worker(runtime())
