"""Ingest engine: a department's file in, a typed, profiled Parquet file out.

Pure library code (no database, no web). Entry points:

* ``ingest_file(path, filename=..., options=IngestOptions(...)) -> IngestResult``
* ``infer_schema`` / ``apply_schema`` / ``apply_overrides`` for previews and type overrides
* ``detect_encoding``, ``sniff_format``, ``list_choices`` (sheets, layers, archive members)
* ``fetch_url`` (in ``kaifang.ingest.fetch``): the SSRF-safe downloader for harvested sources
"""

from __future__ import annotations

from kaifang.ingest.encodings import EncodingGuess, detect_encoding
from kaifang.ingest.options import ArchiveLimits, IngestOptions
from kaifang.ingest.pipeline import ingest_file, list_choices
from kaifang.ingest.profile import geo_info, profile_parquet
from kaifang.ingest.schemas import ColumnSpec, IngestResult, RejectedCell
from kaifang.ingest.sniff import sniff_format
from kaifang.ingest.typing import CastResult, apply_overrides, apply_schema, infer_schema

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
