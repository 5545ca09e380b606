"""`kaifang harvest list`, `kaifang harvest run SOURCE` and `kaifang harvest due`."""

from __future__ import annotations

import time

import typer

from kaifang.auth.actor import SYSTEM
from kaifang.cli.common import fail, runtime, unit_of_work
from kaifang.interop.harvest import service
from kaifang.interop.harvest.models import HarvestRun
from kaifang.jobs import run_job

harvest_app = typer.Typer(help="Harvesting other catalogues (采集).", no_args_is_help=True)
FINAL = ("succeeded", "failed")


@harvest_app.command("list")
def list_sources() -> None:
    """Every source with its schedule and latest run."""
    with unit_of_work() as session:
        for source in service.list_sources(session, actor=SYSTEM):
            runs = service.list_runs(session, actor=SYSTEM, source_id=source.id, limit=1)
            last = f"run {runs[0].id} {runs[0].status}" if runs else "never run"
            state = "enabled" if source.enabled else "disabled"
            typer.echo(
                f"{source.id}\t{source.name}\t{source.kind}\t{source.schedule}\t{state}\t"
                f"{source.url}\t{last}"
            )


@harvest_app.command("run")
def run_source(
    source: str = typer.Argument(..., help="id or name of the source"),
    wait_seconds: float = typer.Option(3600.0, "--wait", help="how long to wait for a worker"),
) -> None:
    """Harvest a source now and print its counts; exit 1 when the run fails."""
    with unit_of_work() as session:
        source_id = service.get_source(session, actor=SYSTEM, ref=source).id
        run = service.start_run(session, actor=SYSTEM, source_id=source_id, trigger="cli")
        run_id, job_id = run.id, run.job_id
    rt = runtime()
    # Run it here; if a worker (or the inline queue) already took it, wait for its outcome.
    run_job(rt.db, rt.settings, int(job_id or 0))
    finished = _wait(run_id, wait_seconds)
    typer.echo(
        f"run {finished.id} {finished.status}: created {finished.created}, updated "
        f"{finished.updated}, unchanged {finished.unchanged}, deleted {finished.deleted}, "
        f"failed {finished.failed}"
    )
    if finished.status != "succeeded":
        fail(finished.error or finished.status, code=1)


def _wait(run_id: int, wait_seconds: float) -> HarvestRun:
    deadline = time.monotonic() + wait_seconds
    while True:
        with runtime().db.unit_of_work(write=False) as session:
            run = service.get_run(session, actor=SYSTEM, run_id=run_id)
            session.expunge(run)
        if run.status in FINAL or time.monotonic() > deadline:
            return run
        time.sleep(1.0)


@harvest_app.command("due")
def enqueue_due() -> None:
    """Queue the runs of scheduled sources that are due (workers also do this every minute)."""
    with unit_of_work() as session:
        queued = service.enqueue_due(session)
    typer.echo(f"queued {len(queued)} run(s)")
