"""`kaifang privacy scan FILE`."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import typer

from kaifang.cli.common import fail
from kaifang.errors import DomainError
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.pipeline import ingest_file
from kaifang.privacy.scan import findings_to_json, scan_table

privacy_app = typer.Typer(help="Personal-data detection.", no_args_is_help=True)


@privacy_app.command("scan")
def scan(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    output_format: str = typer.Option("text", "--format", help="text or json"),
    sheet: str | None = typer.Option(None, help="worksheet name for spreadsheets"),
) -> None:
    """Read any supported file and print per-column PII findings and suggestions."""
    with tempfile.TemporaryDirectory(prefix="kf-scan-") as tmp:
        try:
            result = ingest_file(
                path,
                filename=path.name,
                options=IngestOptions(
                    output_path=Path(tmp) / "scan.parquet", work_dir=Path(tmp), sheet=sheet
                ),
            )
        except DomainError as exc:
            fail(exc.message)
            return
        findings = findings_to_json(scan_table(pq.read_table(result.parquet_path)))
    if output_format == "json":
        typer.echo(json.dumps(findings, ensure_ascii=False, indent=2, default=str))
        return
    for f in findings:
        kind = f["kind"] or "-"
        typer.echo(
            f"{f['column']}\t{kind}\t{f['confidence']:.2f}\t{f['suggested_grade']}\t"
            f"{f['suggested_open_attribute']}\t{f['suggested_masking'] or ''}"
        )
