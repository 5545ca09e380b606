"""The ingestion job: a stored original (or a URL) becomes a typed, profiled, served version.

Every step before the final transaction works on temporary files, so a failed load leaves the
previous version serving and nothing half-written visible.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from kaifang.catalog import resources as resource_service
from kaifang.datastore import ServingCatalog
from kaifang.ingest.fetch import fetch_url
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.pipeline import ingest_file
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
        max_bytes=ctx.settings.max_upload_bytes,
        on_progress=progress,
    )


def _source_path(
    payload: dict[str, Any], blobs: BlobStore, work: Path, ctx: JobContext
) -> tuple[Path, str]:
    """The original on local disk, fetched SSRF-safely and stored first when it is a URL."""
    if payload.get("url"):
        fetched = fetch_url(payload["url"], dest_dir=work, max_bytes=ctx.settings.max_upload_bytes)
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


@register(LOAD_JOB, max_attempts=2)
def load_resource(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Ingest one original into a new version of a resource; returns the ingest report."""
    blobs = make_blob_store(ctx.settings)
    with tempfile.TemporaryDirectory(prefix="kf-job-", dir=_tmp_root(ctx)) as tmp:
        work = Path(tmp)
        source, source_key = _source_path(payload, blobs, work, ctx)
        out = work / "data.parquet"
        result = ingest_file(
            source,
            filename=str(payload.get("filename") or source.name),
            options=_options(payload, out, work, ctx),
        )
        ctx.progress(92.0, "隐私扫描 (privacy scan)")
        findings = _privacy_findings(result.parquet_path)
        parquet = blobs.put_file(result.parquet_path)
        version = _record(ctx, payload, result, source_key, parquet.key, parquet.size, findings)
        ctx.progress(96.0, "建立查询文件 (building serving file)")
        catalog = ServingCatalog(ctx.settings.data_dir / "cache" / "serving")
        catalog.ensure(
            serving_key(payload["resource_id"], version),
            result.parquet_path,
            index_columns=identifier_columns(result.schema),
        )
    return {
        "report": result.report,
        "schema": result.schema,
        "version": version,
        "privacy": findings,
        "rows": result.rows,
    }


def _tmp_root(ctx: JobContext) -> Path:
    root = ctx.settings.data_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _record(
    ctx: JobContext,
    payload: dict[str, Any],
    result: Any,
    source_key: str,
    parquet_key: str,
    size: int,
    findings: list[dict[str, Any]],
) -> int:
    with ctx.db.unit_of_work() as session:
        version = resource_service.record_version(
            session,
            resource_id=int(payload["resource_id"]),
            created_by=payload.get("user_id"),
            source_key=source_key,
            source_name=str(payload.get("filename") or ""),
            parquet_key=parquet_key,
            sha256=result.parquet_sha256,
            size_bytes=size,
            row_count=result.rows,
            schema=result.schema,
            report=result.report,
            profile={**result.profile, "geo": result.geo},
            privacy=findings,
            fmt=str(result.report.get("format", "")),
        )
        return version.number
