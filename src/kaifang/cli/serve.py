"""`kaifang serve` and `kaifang worker`."""

from __future__ import annotations

import typer
import uvicorn

from kaifang.cli.common import runtime

serve_app = typer.Typer()


def serve(
    host: str | None = typer.Option(None, help="default: KAIFANG_HOST"),
    port: int | None = typer.Option(None, help="default: KAIFANG_PORT"),
    with_worker: bool = typer.Option(True, help="also run the job worker in this process"),
    workers: int = typer.Option(1, help="web processes (use a reverse proxy beyond one)"),
) -> None:
    """Serve the platform over HTTP."""
    from kaifang.app import create_app
    from kaifang.composition import compose

    rt = runtime()
    settings = rt.settings
    compose(rt, embedded_worker=with_worker and settings.worker_in_process)
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
    from kaifang.composition import compose, run_worker

    rt = runtime()
    compose(rt, embedded_worker=False)
    run_worker(rt)
