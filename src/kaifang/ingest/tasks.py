"""The ingestion job: a stored original (or a URL) becomes a typed, profiled, served version.

Every step before the final transaction works on temporary files, so a failed load leaves the
previous version serving and nothing half-written visible.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from kaifang.catalog import resources as resource_service
from kaifang.config import Settings
from kaifang.datastore import ServingCatalog
from kaifang.ingest.fetch import DEFAULT_PORTS, fetch_url
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.pipeline import ingest_file
from kaifang.ingest.schemas import IngestResult
from kaifang.jobs import JobContext, register
from kaifang.privacy.scan import findings_to_json, scan_table
from kaifang.storage import BlobStore, make_blob_store

log = logging.getLogger("kaifang.ingest")
LOAD_JOB = "ingest.load"


def identifier_columns(schema: list[dict[str, Any]]) -> list[str]:
    """Code-like columns get an index in the serving file, so lookups by code stay fast."""
    return [str(c["name"]) for c in schema if str(c.get("reason", "")).startswith("identifier")]


def serving_key(resource_id: int, version_number: int) -> str:
    return f"r{resource_id}-v{version_number}"


def _options(payload: dict[str, Any], out: Path, work: Path, ctx: JobContext) -> IngestOptions:
    def progress(rows: int, pct: float) -> None:
        ctx.progress(min(90.0, pct * 0.9), f"{rows} 行 (rows)")

    return IngestOptions(
        output_path=out,
        work_dir=work,
        sheet=payload.get("sheet"),
        column_types=payload.get("column_types") or {},
        coordinate_system=payload.get("coordinate_system") or None,
        max_bytes=ctx.settings.max_upload_bytes,
        on_progress=progress,
    )


def _source_path(
    payload: dict[str, Any], blobs: BlobStore, work: Path, ctx: JobContext
) -> tuple[Path, str]:
    """The original on local disk, fetched SSRF-safely and stored first when it is a URL."""
    if payload.get("url"):
        settings = ctx.settings
        fetched = fetch_url(
            payload["url"],
            dest_dir=work,
            max_bytes=settings.max_upload_bytes,
            timeout_seconds=settings.fetch_timeout_seconds,
            allow_private=list(settings.fetch_allow_networks) or False,
            allowed_ports=None if settings.fetch_allow_any_port else DEFAULT_PORTS,
        )
        info = blobs.put_file(fetched.path)
        return fetched.path, info.key
    key = str(payload["source_key"])
    local = blobs.local_path(key)
    if local is None:
        local = work / "source"
        blobs.fetch_to(key, local)
    return local, key


def _privacy_findings(parquet_path: Path) -> list[dict[str, Any]]:
    table = pq.read_table(parquet_path)
    if table.num_rows > 200_000:
        table = table.slice(0, 200_000)
    return findings_to_json(scan_table(table))


@dataclass(frozen=True)
class PreparedVersion:
    """An ingested file whose Parquet is stored, ready to be recorded as a version."""

    result: IngestResult
    findings: list[dict[str, Any]]
    source_key: str
    parquet_key: str
    parquet_size: int


def prepare_version(
    blobs: BlobStore, source: Path, *, source_key: str, filename: str, options: IngestOptions
) -> PreparedVersion:
    """Type, profile and scan the file and store its Parquet; touches no database."""
    result = ingest_file(source, filename=filename, options=options)
    options.progress(result.rows, 92.0)
    findings = _privacy_findings(result.parquet_path)
    parquet = blobs.put_file(result.parquet_path)
    return PreparedVersion(result, findings, source_key, parquet.key, parquet.size)


def record_prepared(
    session: Session,
    prepared: PreparedVersion,
    *,
    resource_id: int,
    user_id: int | None,
    filename: str,
) -> int:
    """Record the prepared load as the resource's current version; returns its number."""
    result = prepared.result
    version = resource_service.record_version(
        session,
        resource_id=resource_id,
        created_by=user_id,
        source_key=prepared.source_key,
        source_name=filename,
        parquet_key=prepared.parquet_key,
        sha256=result.parquet_sha256,
        size_bytes=prepared.parquet_size,
        row_count=result.rows,
        schema=result.schema,
        report=result.report,
        profile={**result.profile, "geo": result.geo},
        privacy=prepared.findings,
        fmt=str(result.report.get("format", "")),
    )
    return version.number


def build_serving(
    settings: Settings, prepared: PreparedVersion, *, resource_id: int, number: int
) -> None:
    """Build the DuckDB serving file now so the first query does not wait for it."""
    catalog = ServingCatalog(settings.data_dir / "cache" / "serving")
    catalog.ensure(
        serving_key(resource_id, number),
        prepared.result.parquet_path,
        index_columns=identifier_columns(prepared.result.schema),
    )


@register(LOAD_JOB, max_attempts=2)
def load_resource(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Ingest one original into a new version of a resource; returns the ingest report."""
    blobs = make_blob_store(ctx.settings)
    resource_id = int(payload["resource_id"])
    filename = str(payload.get("filename") or "upload")
    with tempfile.TemporaryDirectory(prefix="kf-job-", dir=work_root(ctx.settings)) as tmp:
        work = Path(tmp)
        source, source_key = _source_path(payload, blobs, work, ctx)
        prepared = prepare_version(
            blobs,
            source,
            source_key=source_key,
            filename=filename,
            options=_options(payload, work / "data.parquet", work, ctx),
        )
        with ctx.db.unit_of_work() as session:
            number = record_prepared(
                session,
                prepared,
                resource_id=resource_id,
                user_id=payload.get("user_id"),
                filename=filename,
            )
        ctx.progress(96.0, "建立查询文件 (building serving file)")
        build_serving(ctx.settings, prepared, resource_id=resource_id, number=number)
    result = prepared.result
    return {
        "report": result.report,
        "schema": result.schema,
        "version": number,
        "privacy": prepared.findings,
        "rows": result.rows,
    }


def work_root(settings: Settings) -> Path:
    root = settings.data_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root
