"""Ingest engine: a department's file in, a typed, profiled Parquet file out.

Pure library code (no database, no web). Entry points:

* ``ingest_file(path, filename=..., options=IngestOptions(...)) -> IngestResult``
* ``infer_schema`` / ``apply_schema`` / ``apply_overrides`` for previews and type overrides
* ``detect_encoding``, ``sniff_format``, ``list_choices`` (sheets, layers, archive members)
* ``fetch_url`` (in ``kaifang.ingest.fetch``): the SSRF-safe downloader for harvested sources

The names below are imported on first use: the sandboxed spreadsheet child
(``kaifang.ingest.sheetparse``) must start without loading DuckDB and every reader.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kaifang.ingest.encodings import EncodingGuess, detect_encoding
    from kaifang.ingest.options import ArchiveLimits, IngestOptions
    from kaifang.ingest.pipeline import ingest_file, list_choices
    from kaifang.ingest.profile import geo_info, profile_parquet
    from kaifang.ingest.schemas import ColumnSpec, IngestResult, RejectedCell
    from kaifang.ingest.sniff import sniff_format
    from kaifang.ingest.typing import CastResult, apply_overrides, apply_schema, infer_schema

_HOMES = {
    "ArchiveLimits": "options",
    "CastResult": "typing",
    "ColumnSpec": "schemas",
    "EncodingGuess": "encodings",
    "IngestOptions": "options",
    "IngestResult": "schemas",
    "RejectedCell": "schemas",
    "apply_overrides": "typing",
    "apply_schema": "typing",
    "detect_encoding": "encodings",
    "geo_info": "profile",
    "infer_schema": "typing",
    "ingest_file": "pipeline",
    "list_choices": "pipeline",
    "profile_parquet": "profile",
    "sniff_format": "sniff",
}

__all__ = [
    "ArchiveLimits",
    "CastResult",
    "ColumnSpec",
    "EncodingGuess",
    "IngestOptions",
    "IngestResult",
    "RejectedCell",
    "apply_overrides",
    "apply_schema",
    "detect_encoding",
    "geo_info",
    "infer_schema",
    "ingest_file",
    "list_choices",
    "profile_parquet",
    "sniff_format",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
