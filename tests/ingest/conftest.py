"""Helpers for ingest tests: small fixture files are generated in ``tmp_path``."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kaifang.ingest import IngestOptions, IngestResult, ingest_file


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, bytes | str, str], Path]:
    """Write ``content`` to ``tmp_path/name`` (str content is encoded with ``encoding``)."""

    def _write(name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


@pytest.fixture
def ingest(tmp_path: Path) -> Callable[..., IngestResult]:
    """Run ``ingest_file`` on a path with options; the Parquet goes to ``tmp_path/out``."""

    def _ingest(path: Path, filename: str | None = None, **options: Any) -> IngestResult:
        out = tmp_path / "out" / f"{path.stem}.parquet"
        opts = IngestOptions(output_path=out, **options)
        return ingest_file(path, filename=filename or path.name, options=opts)

    return _ingest


def read_table(result: IngestResult) -> pa.Table:
    return pq.read_table(result.parquet_path)


def column(result: IngestResult, name: str) -> list[Any]:
    return read_table(result).column(name).to_pylist()


def types(result: IngestResult) -> dict[str, str]:
    return {c["name"]: c["type"] for c in result.schema}


def make_zip(path: Path, members: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path
