"""`kaifang privacy scan FILE` and `kaifang privacy trace LEAKED_FILE`."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import typer

from kaifang.access.extracts import trace_leak
from kaifang.auth.actor import SYSTEM
from kaifang.cli.common import fail, runtime, unit_of_work
from kaifang.errors import DomainError
from kaifang.ingest.pipeline import read_table
from kaifang.privacy.scan import findings_to_json, scan_table

privacy_app = typer.Typer(help="Personal-data detection and leak tracing.", no_args_is_help=True)

_FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True)
_FORMAT = typer.Option("text", "--format", help="text or json")
_SHEET = typer.Option(None, help="worksheet name for spreadsheets")


def read_any(path: Path, sheet: str | None) -> pa.Table:
    """Read any file the ingest readers support into a typed table; exit 2 on a bad file."""
    try:
        return read_table(path, sheet=sheet)
    except DomainError as exc:
        fail(exc.message)
        raise  # unreachable: fail() exits


@privacy_app.command("scan")
def scan(path: Path = _FILE, output_format: str = _FORMAT, sheet: str | None = _SHEET) -> None:
    """Read any supported file and print per-column PII findings and suggestions."""
    findings = findings_to_json(scan_table(read_any(path, sheet)))
    if output_format == "json":
        typer.echo(json.dumps(findings, ensure_ascii=False, indent=2, default=str))
        return
    for f in findings:
        kind = f["kind"] or "-"
        typer.echo(
            f"{f['column']}\t{kind}\t{f['confidence']:.2f}\t{f['suggested_grade']}\t"
            f"{f['suggested_open_attribute']}\t{f['suggested_masking'] or ''}"
        )


@privacy_app.command("trace")
def trace(path: Path = _FILE, output_format: str = _FORMAT, sheet: str | None = _SHEET) -> None:
    """Name the grant and recipient whose fingerprint a leaked extract carries; exit 1 if none."""
    table = read_any(path, sheet)
    keys = runtime().settings.fingerprint_keys()
    with unit_of_work() as session:
        result = trace_leak(session, actor=SYSTEM, table=table, keys=keys)
    if output_format == "json":
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(result.message)
        for extract in result.extracts:
            typer.echo(
                f"  extract {extract['id']}: dataset {extract['dataset_id']} "
                f"version {extract['version']} ({extract['format']}, {extract['issued_at']})"
            )
    if not result.found:
        raise typer.Exit(1)
