"""`kaifang openlist import`, `kaifang index compute` and `kaifang report generate`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import cast

import typer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.auth.models import Organization
from kaifang.cli.common import fail, runtime, unit_of_work
from kaifang.governance import index as index_service
from kaifang.governance import openlists, reports

governance_app = typer.Typer(no_args_is_help=True)
openlist_app = typer.Typer(help="Open lists (开放清单).", no_args_is_help=True)
index_app = typer.Typer(help="The open index (开放指数).", no_args_is_help=True)
report_app = typer.Typer(help="Operations reports (运营报告).", no_args_is_help=True)
governance_app.add_typer(openlist_app, name="openlist")
governance_app.add_typer(index_app, name="index")
governance_app.add_typer(report_app, name="report")


def _org_id(session: Session, org: str | None) -> int | None:
    """The id of an organization given by id, slug or name; exits 2 when unknown."""
    if org is None:
        return None
    clauses = [Organization.slug == org, Organization.name == org]
    if org.isdigit():
        clauses.append(Organization.id == int(org))
    found = session.scalars(select(Organization.id).where(or_(*clauses))).first()
    if found is None:
        fail(f"单位「{org}」不存在 (unknown organization)")
    return found


@openlist_app.command("import")
def import_list(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    year: int = typer.Option(..., "--year"),
    org: str | None = typer.Option(None, "--org", help="id, slug or name; else per row"),
) -> None:
    """Import an XLSX open list; nothing is written when any row fails (exit 2)."""
    with unit_of_work() as session:
        lists = openlists.import_open_list(
            session,
            actor=SYSTEM,
            data=file.read_bytes(),
            filename=file.name,
            year=year,
            organization_id=_org_id(session, org),
        )
        for ol in lists:
            linked = sum(r.dataset_id is not None for r in ol.rows)
            typer.echo(
                f"{ol.organization.name}: {len(ol.rows)} rows, {linked} with a proposed link"
            )


@index_app.command("compute")
def compute(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD; default today"),
) -> None:
    """Compute and store an index snapshot."""
    day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    with unit_of_work() as session:
        snapshot = index_service.compute_index(session, as_of=day, actor=SYSTEM)
        top = snapshot.results["organizations"][:5]
        typer.echo(f"snapshot {snapshot.id} as of {day}")
        for entity in top:
            typer.echo(f"  {entity['rank']:>3} {entity['total']:>6.2f} {entity['name']}")


@report_app.command("generate")
def generate(
    period: str = typer.Option(..., "--period", help="2021-06 or 2021-Q2"),
    output: Path = typer.Option(..., "--output", dir_okay=False),
    fmt: str = typer.Option("html", "--format", help="html, pdf or xlsx"),
    org: str | None = typer.Option(None, "--org"),
) -> None:
    """Write the operations report of a month or quarter to a file."""
    if fmt not in reports.MEDIA_TYPES:
        fail("--format 须为 html、pdf 或 xlsx (html, pdf or xlsx)")
    kind = cast(reports.ReportFormat, fmt)
    with unit_of_work() as session:
        report = reports.generate_report(
            session, period=period, organization_id=_org_id(session, org), fmt=kind
        )
    output.write_bytes(report.content)
    typer.echo(f"wrote {output} ({len(report.content)} bytes)")


@report_app.command("scheduled")
def scheduled(
    today: str | None = typer.Option(None, "--today", help="YYYY-MM-DD; default today"),
) -> None:
    """Store the reports due after the last month (and quarter) ended, as the daily job does."""
    day = dt.date.fromisoformat(today) if today else dt.date.today()
    stored = reports.generate_due_reports(
        runtime().db,
        runtime().blobs,
        today=day,
        formats=runtime().settings.report_schedule_formats,
    )
    for row in stored:
        typer.echo(f"stored {row.id}: {row.title}.{row.format}")
    typer.echo(f"{len(stored)} reports stored")
