"""``ingest_file``: one department file in, one typed, profiled Parquet file out.

Steps: check the size; sniff the format (content first); read it as text into a DuckDB staging
table (readers); clean the header; infer types over every row; apply the officer's overrides;
cast, reporting rejected cells; write zstd Parquet atomically; profile it; detect coordinates;
hash source and output. Progress is reported as (rows done, percent). Expected failures raise
``kaifang.errors`` subclasses with bilingual, path-free messages; anything unexpected is logged
and re-raised as a generic InvalidInput so no internals reach the officer.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kaifang.errors import DomainError
from kaifang.ingest.casts import quote_literal
from kaifang.ingest.duck import connect
from kaifang.ingest.geo import crs_from_text
from kaifang.ingest.headers import clean_headers, header_looks_like_data
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.problems import human_bytes, invalid, too_large
from kaifang.ingest.profile import geo_info, profile_parquet
from kaifang.ingest.readers import SPREADSHEETS, open_source, sheets_of, unwrap_zip
from kaifang.ingest.readers.base import TableSource
from kaifang.ingest.readers.jsonfile import geojson_crs
from kaifang.ingest.schemas import ColumnSpec, IngestResult
from kaifang.ingest.sniff import sniff_format
from kaifang.ingest.staging import Staging, refuse_empty, stage_source
from kaifang.ingest.typing import CastResult, apply_overrides, apply_schema, infer_schema

log = logging.getLogger(__name__)

_HASH_CHUNK = 4 * 1024 * 1024
_ROW_GROUP_ROWS = 122_880  # DuckDB's row group: the unit of its parallel scans


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 4 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _BackgroundHash:
    """SHA-256 of the source computed on a thread while DuckDB works (hashlib drops the GIL)."""

    def __init__(self, path: Path):
        self._result: str | BaseException = ""
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            self._result = sha256_file(path)
        except OSError as exc:
            self._result = exc

    def value(self) -> str:
        self._thread.join()
        if isinstance(self._result, BaseException):
            raise invalid("无法读取上传的文件", "the uploaded file cannot be read") from None
        return self._result


class _Background:
    """``fn(*args, **kwargs)`` on a thread; ``value`` waits and returns or raises its result."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        self._result: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, args, kwargs), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[..., Any], args: Any, kwargs: Any) -> None:
        try:
            self._result = fn(*args, **kwargs)
        except BaseException as exc:  # re-raised by value() in the caller's thread
            self._error = exc

    def value(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


def ingest_file(path: Path, *, filename: str, options: IngestOptions) -> IngestResult:
    """Turn the file at ``path`` (uploaded as ``filename``) into ``options.output_path``.

    Raises InvalidInput, TooLarge or BadRequest with a precise, bilingual reason.
    """
    _check_size(path, options)
    source_hash = _BackgroundHash(path)
    options.progress(0, 0.0)
    try:
        with tempfile.TemporaryDirectory(prefix="kf-ingest-", dir=_work_root(options)) as work:
            result = _run(path, filename, options, Path(work))
    except DomainError:
        raise
    except Exception:  # anything else is a bug or a parser failure: log it, show no internals
        log.exception("ingest failed unexpectedly for %r", filename)
        raise invalid(
            "文件无法处理，请检查文件内容或另存为 CSV（UTF-8）后重试",
            "the file could not be processed; check it or save it as UTF-8 CSV and retry",
        ) from None
    result["source_sha256"] = source_hash.value()
    options.progress(result["rows"], 100.0)
    return IngestResult(**result)


def read_table(path: Path, *, sheet: str | None = None) -> pa.Table:
    """Read any supported file into a typed table, as an upload would be; raises as ``ingest_file``."""
    with tempfile.TemporaryDirectory(prefix="kf-read-") as tmp:
        options = IngestOptions(
            output_path=Path(tmp) / "read.parquet", work_dir=Path(tmp), sheet=sheet
        )
        result = ingest_file(path, filename=path.name, options=options)
        return pq.read_table(result.parquet_path)


def list_choices(path: Path, *, filename: str, options: IngestOptions) -> dict[str, Any]:
    """The detected format and the sheets, layers or archive members an officer may choose."""
    _check_size(path, options)
    sniffed = sniff_format(path, filename, forced=options.format)
    with tempfile.TemporaryDirectory(prefix="kf-choices-", dir=_work_root(options)) as work:
        choices = sheets_of(path, sniffed.format, options=options, work_dir=Path(work))
    return {"format": sniffed.format, "choices": choices, "warnings": sniffed.warnings}


def _check_size(path: Path, options: IngestOptions) -> int:
    try:
        size = path.stat().st_size
    except OSError:
        raise invalid("找不到上传的文件", "the uploaded file is missing") from None
    if size == 0:
        raise invalid("文件为空，没有任何数据", "the file is empty")
    if size > options.max_bytes:
        raise too_large(
            f"文件大小 {human_bytes(size)}，超过上限 {human_bytes(options.max_bytes)}",
            f"the file is {human_bytes(size)}; the limit is {human_bytes(options.max_bytes)}",
        )
    return size


def _work_root(options: IngestOptions) -> str:
    root = options.work_dir or options.output_path.parent
    root.mkdir(parents=True, exist_ok=True)
    return str(root)


def _run(path: Path, filename: str, options: IngestOptions, work: Path) -> dict[str, Any]:
    sniffed = sniff_format(path, filename, forced=options.format)
    warnings = list(sniffed.warnings)
    fmt, member = sniffed.format, None
    if fmt == "zip":
        path, inner, member = unwrap_zip(path, options=options, work_dir=work)
        fmt = inner.format
        warnings += inner.warnings
    con = connect(work, options)
    try:
        source = open_source(path, fmt, options=options, work_dir=work)
        try:
            staging = stage_source(con, source, options, _read_progress(options, source))
        finally:
            _close_batches(source)
        return _finish(con, source, staging, options, warnings, member)
    finally:
        con.close()


def _close_batches(source: TableSource) -> None:
    """Stop a reader left mid-stream by a refusal (a spreadsheet's child process is killed)."""
    close = getattr(source.batches, "close", None)
    if close is not None:
        close()


def _read_progress(options: IngestOptions, source: TableSource) -> Callable[[int], None]:
    def report(rows: int) -> None:
        fraction = source.fraction_read() if source.fraction_read else 0.5
        options.progress(rows, 50.0 * fraction)

    return report


def _finish(
    con: duckdb.DuckDBPyConnection,
    source: TableSource,
    staging: Staging,
    options: IngestOptions,
    warnings: list[str],
    member: str | None,
) -> dict[str, Any]:
    staging.skipped_rows = list(source.skipped_rows)
    refuse_empty(staging, source)
    specs, cast = _type(staging, source, options, warnings)
    written, profile = _write_and_profile(con, cast, specs, staging.rows, options.output_path)
    options.progress(written, 85.0)
    geo = geo_info(
        options.output_path,
        specs,
        source_geo=_source_geo(source),
        declared=options.coordinate_system,
        con=con,
    )
    options.progress(written, 95.0)
    return {
        "parquet_path": options.output_path,
        "schema": [s.to_dict() for s in specs],
        "report": {
            **_report(source, cast, written, warnings, member),
            # Kept so a reload can start from the officer's earlier choices.
            "column_types": dict(options.column_types),
            "coordinate_system": options.coordinate_system,
        },
        "profile": profile,
        "geo": geo,
        "parquet_sha256": sha256_file(options.output_path),
        "rows": written,
        "warnings": warnings,
    }


def _type(
    staging: Staging, source: TableSource, options: IngestOptions, warnings: list[str]
) -> tuple[list[ColumnSpec], CastResult]:
    """Clean the header, infer types over every row, apply overrides and build the cast."""
    names, header_warnings = clean_headers(source.names, max_columns=options.max_columns)
    warnings += header_warnings + source.warnings
    if header_looks_like_data(names) and source.format in ("csv", "tsv", *SPREADSHEETS):
        warnings.append(
            "第一行看起来是数据而不是表头，请确认文件是否有表头"
            "（the first row looks like data, not a header）"
        )
    specs = infer_schema(
        staging,
        names=names,
        originals=[str(n) for n in source.names],
        declared=source.declared,
        null_markers=options.null_markers,
    )
    options.progress(staging.rows, 60.0)
    specs = apply_overrides(specs, options.column_types)
    cast = apply_schema(
        staging,
        specs,
        null_markers=options.null_markers,
        on_rejected=options.on_rejected_cell,
        max_rejected_share=options.max_rejected_share,
        max_rejected_reported=options.max_rejected_reported,
        trust_inferred=True,
    )
    return specs, cast


def _write_and_profile(
    con: duckdb.DuckDBPyConnection,
    cast: CastResult,
    specs: list[ColumnSpec],
    rows: int,
    target: Path,
) -> tuple[int, dict[str, Any]]:
    """Write the Parquet file and profile it; at the same time when that saves time.

    A table of up to one DuckDB row group is scanned by one thread, so each query uses one
    core: profiling the typed rows on a second cursor while they are written takes the
    profile off the critical path on two cores. Larger tables keep both cores busy already,
    and profiling the SELECT repeats its casts, so they are profiled from the written file.
    """
    if rows > _ROW_GROUP_ROWS:
        written = _write_parquet(con, cast, target)
        return written, profile_parquet(target, specs, con=con)
    cursor = con.cursor()
    try:
        profiling = _Background(
            profile_parquet, target, specs, con=cursor, rows_sql=cast.select_sql
        )
        try:
            written = _write_parquet(con, cast, target)
        finally:
            profile = profiling.value()
    finally:
        cursor.close()
    return written, profile


def _write_parquet(con: duckdb.DuckDBPyConnection, cast: CastResult, target: Path) -> int:
    """COPY the typed SELECT to a temporary file beside ``target``, fsync, then rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    try:
        con.execute(
            f"COPY ({cast.select_sql}) TO {quote_literal(str(partial))} "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        with partial.open("rb") as stream:
            os.fsync(stream.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    found = con.execute(
        f"SELECT count(*) FROM read_parquet({quote_literal(str(target))})"
    ).fetchone()
    return int(found[0]) if found else 0


def _source_geo(source: TableSource) -> dict[str, Any]:
    geo = dict(source.geo)
    meta = geo.get("meta")
    if isinstance(meta, dict) and "crs" not in geo:
        name = geojson_crs(meta)
        guess = crs_from_text(name, "crs_member") if name else None
        if guess is not None:
            geo["crs"] = guess.to_dict()
    return geo


def _report(
    source: TableSource, cast: CastResult, written: int, warnings: list[str], member: str | None
) -> dict[str, Any]:
    return {
        "rows_read": cast.rows_read,
        "rows_loaded": written,
        "rows_rejected": cast.rows_rejected,
        "cells_rejected": cast.cells_rejected,
        "rejected": [r.to_dict() for r in cast.rejected],
        "encoding": source.encoding,
        "format": source.format,
        "sheet": source.sheet,
        "sheets": source.sheets,
        "archive_member": member,
        "first_row": source.first_row,
        "warnings": warnings,
    }
