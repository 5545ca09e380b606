"""CKAN DataStore actions (``datastore_search``, ``datastore_info``) over the native data API."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from kaifang.catalog import resources as resource_service
from kaifang.datastore import DataAccess, ServingHandle, run_query
from kaifang.datastore.columns import RESERVED, ColumnInfo
from kaifang.datastore.filters import MAX_SIZE
from kaifang.datastore.query import QueryResult
from kaifang.errors import BadRequest, NotFound
from kaifang.interop.ckan_input import CKANValidationError
from kaifang.web.api.data import _account, _prepare
from kaifang.web.deps import get_runtime

MAX_OFFSET = 10_000
DEFAULT_LIMIT = 100
# ``distinct`` deduplicates the rows the caller may see (after masking, so it never reveals
# more than the plain rows would); it reads at most this many rows of the filtered view.
DISTINCT_SCAN_ROWS = 200_000
CKAN_TYPES = {
    "string": "text",
    "integer": "int",
    "number": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
}


def _json(value: Any, name: str) -> Any:
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            raise CKANValidationError({name: ["Could not parse as valid JSON"]}) from None
    return value


def _int(params: dict[str, Any], name: str, default: int) -> int:
    raw = params.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise CKANValidationError({name: ["Invalid integer"]}) from None
    if value < 0:
        raise CKANValidationError({name: ["Must be a natural number"]})
    return value


def _filter_pairs(filters: Any) -> list[tuple[str, str]]:
    if not filters:
        return []
    if not isinstance(filters, dict):
        raise CKANValidationError({"filters": ["Not a JSON object"]})
    pairs: list[tuple[str, str]] = []
    for column, value in filters.items():
        if isinstance(value, list):
            pairs.append((f"{column}__in", json.dumps(value, ensure_ascii=False)))
        elif value is None:
            pairs.append((f"{column}__isnull", "1"))
        elif isinstance(value, bool):
            pairs.append((str(column), "true" if value else "false"))
        else:
            pairs.append((str(column), str(value)))
    return pairs


def _sort_pair(sort: Any) -> list[tuple[str, str]]:
    if not sort:
        return []
    parts = [p.strip() for p in str(sort).split(",") if p.strip()]
    if len(parts) > 1:
        raise CKANValidationError({"sort": ["Only one sort column is supported"]})
    words = parts[0].rsplit(" ", 1)
    direction = words[1].lower() if len(words) == 2 and words[1].lower() in ("asc", "desc") else ""
    column = (words[0] if direction else parts[0]).strip().strip('"')
    return [("_sort_desc" if direction == "desc" else "_sort", column)]


def query_pairs(params: dict[str, Any]) -> list[tuple[str, str]]:
    """Native data-API parameters for CKAN ``filters``, ``q``, ``fields`` and ``sort``."""
    pairs = _filter_pairs(_json(params.get("filters"), "filters"))
    q = _json(params.get("q"), "q")
    if isinstance(q, dict):
        pairs += [(f"{col}__contains", str(text)) for col, text in q.items()]
    elif q:
        pairs.append(("_search", str(q)))
    fields = _json(params.get("fields"), "fields")
    if fields:
        names = fields if isinstance(fields, list) else str(fields).split(",")
        pairs.append(("_col", ",".join(str(n).strip() for n in names)))
    return pairs + _sort_pair(params.get("sort"))


def _unsupported(params: dict[str, Any]) -> None:
    if str(params.get("records_format", "objects")) != "objects":
        raise CKANValidationError({"records_format": ["Only objects is supported"]})


def _resource_ids(request: Request, params: dict[str, Any]) -> tuple[int, int]:
    raw = str(params.get("resource_id") or params.get("id") or "")
    if not raw:
        raise CKANValidationError({"resource_id": ["Missing value"]})
    if not raw.isdigit():
        raise NotFound("Resource not found")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        resource = resource_service.get_resource(
            session, actor=request.state.actor, resource_id=int(raw)
        )
        return resource.dataset_id, resource.id


def _page(
    request: Request,
    handle: ServingHandle,
    access: DataAccess,
    base: list[tuple[str, str]],
    size: int,
    token: str | None,
) -> QueryResult:
    settings = get_runtime(request).settings
    params = [*base, ("_size", str(size))] + ([("_next", token)] if token else [])
    return run_query(
        handle,
        columns=handle.columns,
        params=params,
        access=access,
        time_budget_ms=settings.query_time_budget_ms,
        cursor_key=settings.derived_key("data-cursor"),
    )


def _skip(
    request: Request,
    handle: ServingHandle,
    access: DataAccess,
    base: list[tuple[str, str]],
    offset: int,
) -> tuple[str | None, bool]:
    """Walk keyset pages past ``offset`` rows: (token of the next page, whether rows remain)."""
    skipped, token = 0, None
    while skipped < offset:
        result = _page(request, handle, access, base, min(MAX_SIZE, offset - skipped), token)
        skipped += len(result.rows)
        token = result.next
        if token is None:
            return None, False
    return token, True


def field_dicts(columns: list[str], infos: list[ColumnInfo]) -> list[dict[str, Any]]:
    """CKAN ``fields`` for the output columns, with our column labels as ``info.label``."""
    by_name = {c.name: c for c in infos}
    out = []
    for name in columns:
        info = by_name.get(name)
        field: dict[str, Any] = {
            "id": name,
            "type": CKAN_TYPES.get(info.kind, "text") if info else "text",
        }
        if info is not None and info.label:
            field["info"] = {"label": info.label}
        out.append(field)
    return out


def datastore_search(request: Request, params: dict[str, Any]) -> dict[str, Any]:
    """Records of a resource the caller may read; conditional columns only with a grant."""
    _unsupported(params)
    dataset_id, resource_id = _resource_ids(request, params)
    limit = min(_int(params, "limit", DEFAULT_LIMIT), MAX_SIZE)
    offset = min(_int(params, "offset", 0), MAX_OFFSET)
    include_total = _flag(params, "include_total", default=True)
    pairs = query_pairs(params)
    if _flag(params, "distinct", default=False):
        return _distinct_search(request, params, (dataset_id, resource_id), pairs, limit, offset)
    try:
        handle, access, _version, dataset = _prepare(request, dataset_id, resource_id, "api", pairs)
        token, more = _skip(request, handle, access, pairs, offset)
        extra = [("_extra", "count")] if include_total else []
        final = _page(request, handle, access, pairs + extra, max(limit, 1), token)
    except BadRequest as exc:
        raise CKANValidationError({"query": [exc.message]}) from None
    records = final.rows[:limit] if more else []
    _account(request, dataset, len(records))
    return _search_body(params, resource_id, final, handle, records, limit, offset)


def _flag(params: dict[str, Any], name: str, *, default: bool) -> bool:
    value = str(params.get(name, default)).lower()
    return value in ("true", "1") if not default else value not in ("false", "0")


def _distinct_search(
    request: Request,
    params: dict[str, Any],
    ids: tuple[int, int],
    pairs: list[tuple[str, str]],
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """``distinct=true``: the distinct visible records, in table (or sort) order."""
    try:
        handle, access, _version, dataset = _prepare(request, ids[0], ids[1], "api", pairs)
        seen, result, token = _distinct_rows(request, handle, access, pairs, offset + limit)
    except BadRequest as exc:
        raise CKANValidationError({"query": [exc.message]}) from None
    records = seen[offset : offset + limit]
    _account(request, dataset, len(records))
    body = _search_body(params, ids[1], result, handle, records, limit, offset)
    body["distinct"] = True
    if token is None and _flag(params, "include_total", default=True):
        body["total"], body["total_was_estimated"] = len(seen), False
    else:
        body.pop("total", None)
    return body


def _distinct_rows(
    request: Request,
    handle: ServingHandle,
    access: DataAccess,
    pairs: list[tuple[str, str]],
    wanted: int,
) -> tuple[list[dict[str, Any]], QueryResult, str | None]:
    """Page through the view keeping first occurrences until ``wanted`` are found or it ends.

    Raises CKANValidationError when that needs more than DISTINCT_SCAN_ROWS rows.
    """
    keys: set[tuple[Any, ...]] = set()
    distinct: list[dict[str, Any]] = []
    token: str | None = None
    scanned = 0
    while True:
        result = _page(request, handle, access, pairs, MAX_SIZE, token)
        scanned += len(result.rows)
        for row in result.rows:
            key = tuple(json.dumps(row[c], default=str) for c in result.columns)
            if key not in keys:
                keys.add(key)
                distinct.append(row)
        token = result.next
        if token is None or len(distinct) >= wanted:
            return distinct, result, token
        if scanned >= DISTINCT_SCAN_ROWS:
            raise CKANValidationError(
                {"distinct": [f"Needs more than {DISTINCT_SCAN_ROWS} rows: narrow with filters"]}
            )


def _search_body(
    params: dict[str, Any],
    resource_id: int,
    result: QueryResult,
    handle: ServingHandle,
    records: list[dict[str, Any]],
    limit: int,
    offset: int,
) -> dict[str, Any]:
    start = f"/api/3/action/datastore_search?resource_id={resource_id}&limit={limit}"
    body: dict[str, Any] = {
        "resource_id": str(resource_id),
        "fields": field_dicts(result.columns, list(handle.columns)),
        "records": records,
        "limit": limit,
        "offset": offset,
        "records_format": "objects",
        "_links": {"start": start, "next": f"{start}&offset={offset + limit}"},
    }
    for name in ("filters", "q", "sort"):
        if params.get(name):
            body[name] = _json(params[name], name)
    if result.count is not None:
        body["total"] = result.count
        body["total_was_estimated"] = result.count_truncated
    return body


def datastore_info(request: Request, params: dict[str, Any]) -> dict[str, Any]:
    """Row count and the columns the caller may see of a resource's current version."""
    dataset_id, resource_id = _resource_ids(request, params)
    handle, access, version, _dataset = _prepare(request, dataset_id, resource_id, "api", [])
    visible = [c for c in handle.columns if c.name not in RESERVED and access.is_visible(c.name)]
    fields = field_dicts([c.name for c in visible], visible)
    for field, column in zip(fields, visible, strict=True):
        field["schema"] = {"native_type": column.sql_type}
    meta = {
        "id": str(resource_id),
        "count": version.row_count,
        "size": version.size_bytes,
        "table_type": "BASE TABLE",
        "aliases": [],
    }
    return {"meta": meta, "fields": fields}
