"""The datastore: versioned tables served with DuckDB, the data-API query engine, exports.

Public entry points: :func:`build_serving_file` and :class:`ServingCatalog` (serving.py),
:func:`run_query` (query.py), :func:`parse_query` (filters.py), :class:`DataAccess`
(access.py), :func:`stream_export`, :data:`EXPORT_FORMATS` and
:func:`content_disposition` (export.py), :func:`preview` and :func:`aggregate`
(preview.py).
"""

from kaifang.datastore.access import DataAccess
from kaifang.datastore.columns import ColumnInfo
from kaifang.datastore.export import (
    EXPORT_FORMATS,
    Exporter,
    content_disposition,
    get_exporter,
    stream_export,
)
from kaifang.datastore.filters import QuerySpec, parse_filter, parse_query
from kaifang.datastore.preview import AggregateResult, Preview, aggregate, preview
from kaifang.datastore.query import QueryResult, run_query
from kaifang.datastore.rendering import GeoSpec
from kaifang.datastore.serving import (
    ServingCatalog,
    ServingHandle,
    ServingInfo,
    build_serving_file,
)

__all__ = [
    "EXPORT_FORMATS",
    "AggregateResult",
    "ColumnInfo",
    "DataAccess",
    "Exporter",
    "GeoSpec",
    "Preview",
    "QueryResult",
    "QuerySpec",
    "ServingCatalog",
    "ServingHandle",
    "ServingInfo",
    "aggregate",
    "build_serving_file",
    "content_disposition",
    "get_exporter",
    "parse_filter",
    "parse_query",
    "preview",
    "run_query",
    "stream_export",
]
