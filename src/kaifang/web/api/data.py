"""The data API: resources and uploads, ingest jobs, rows, preview, charts, exports, versions."""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import asdict
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from kaifang.access.calllog import CallRecord
from kaifang.access.extracts import ExtractMarker, issue_extract, record_marking
from kaifang.access.masking import MaskerFactory
from kaifang.access.quotas import charge_grant, quota_remaining
from kaifang.access.resolve import AccessDecision, resolve_access
from kaifang.activity import service as activity_service
from kaifang.auth.actor import Actor
from kaifang.catalog import resources as resource_service
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import Dataset, ResourceVersion
from kaifang.catalog.schemas import ResourceOut
from kaifang.config import Settings
from kaifang.datastore import (
    DataAccess,
    GeoSpec,
    ServingCatalog,
    ServingHandle,
    aggregate,
    content_disposition,
    get_exporter,
    preview,
    run_query,
    stream_export,
)
from kaifang.datastore.coords import ACCURACY_NOTE, convertible, needs_shift
from kaifang.errors import BadRequest, InvalidInput, NotFound, PermissionDenied
from kaifang.governance.usage import UsageKind
from kaifang.ingest.tasks import serving_key
from kaifang.privacy.masking import apply_rule, derive_dataset_key, parse_rule
from kaifang.runtime import Runtime
from kaifang.web.api.data_load import start_load_now as _start_ingest  # noqa: F401  (CKAN layer)
from kaifang.web.apikeys import apply_rate_limit, log_call
from kaifang.web.deps import get_runtime, policy
from kaifang.web.usage import record_usage

router = APIRouter(prefix="/api/v1", tags=["data"])
_OP = re.compile(r"__[a-z]+$")


def serving_catalog(runtime: Runtime) -> ServingCatalog:
    """One catalog of open serving files per process."""
    catalog = runtime.extras.get("serving")
    if catalog is None:
        catalog = runtime.extras["serving"] = ServingCatalog(runtime.cache_dir / "serving")
    return catalog


def open_version(runtime: Runtime, resource_id: int, version: ResourceVersion) -> ServingHandle:
    """The serving file of a version, rebuilt from its Parquet when missing."""
    catalog = serving_catalog(runtime)
    key = serving_key(resource_id, version.number)
    if catalog.path_for(key).exists():
        return catalog.ensure(key, Path("/nonexistent"))
    local = runtime.blobs.local_path(version.parquet_key)
    if local is None:
        local = runtime.cache_dir / "parquet" / f"{version.parquet_key}.parquet"
        if not local.exists():
            runtime.blobs.fetch_to(version.parquet_key, local)
    return catalog.ensure(key, local)


def _requested(params: list[tuple[str, str]]) -> set[str] | None:
    """Columns a request explicitly selects (``_col``) plus those it filters or sorts on.

    Without ``_col`` the whole table is asked for (None): ungranted items are then simply
    absent, and filtering on one answers like an unknown column.
    """
    if not any(key == "_col" for key, _ in params):
        return None
    names: set[str] = set()
    for key, value in params:
        if not key.startswith("_"):
            names.add(_OP.sub("", key))
        elif key in ("_col", "_sort", "_sort_desc", "_facet"):
            names.update(v.strip() for v in value.split(",") if v.strip())
    return names


def _data_dataset(session: Session, actor: Actor, dataset_id: int) -> Dataset:
    dataset = catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
    if dataset.open_attribute == "closed" or dataset.status == "withdrawn":
        raise PermissionDenied(
            "该数据集不予开放 (this dataset's data is not open)",
            details={"action": "data.read", "object_id": str(dataset_id)},
        )
    return dataset


def masker_factory(settings: Settings, dataset_id: int) -> MaskerFactory:
    """Grant masking rules through the privacy engine, keyed per dataset (pseudonyms unlinkable)."""
    master = settings.pseudonym_key.get_secret_value().encode() or settings.derived_key("pseudonym")
    key = derive_dataset_key(master, str(dataset_id))

    def factory(rule: str) -> Any:
        try:
            operator = parse_rule(rule)
        except InvalidInput:
            return None
        return lambda values: apply_rule(operator, values, key=key)

    return factory


def _prepare(
    request: Request,
    dataset_id: int,
    resource_id: int | None,
    channel: str,
    params: list[tuple[str, str]],
) -> tuple[ServingHandle, DataAccess, Any, Dataset]:
    runtime = get_runtime(request)
    actor: Actor = request.state.actor
    apply_rate_limit(request, actor)
    pinned = next((int(v) for k, v in params if k == "_version" and v.isdigit()), None)
    with runtime.db.unit_of_work() as session:
        dataset = _data_dataset(session, actor, dataset_id)
        resource = resource_service.data_resource(dataset, resource_id)
        version = resource_service.current_version(resource, pinned)
        handle = open_version(runtime, resource.id, version)
        decision = resolve_access(
            session,
            actor=actor,
            dataset=dataset,
            columns=handle.columns,
            channel=channel,
            requested=_requested(params),
            masker_factory=masker_factory(runtime.settings, dataset.id),
        )
        _check_quota(session, decision)
        decision = _with_item_masking(decision, dataset, runtime.settings)
        request.state.data_decision = decision
        request.state.data_started = time.monotonic()
        session.expunge(version)
    return handle, decision.access, version, dataset


def _with_item_masking(
    decision: AccessDecision, dataset: Dataset, settings: Settings
) -> AccessDecision:
    """Apply the items' own masking rules for everyone: unconditional release is masked release.

    A grant's rule for the same column wins; a rule the engine cannot parse withholds the column.
    """
    access = decision.access
    factory = masker_factory(settings, dataset.id)
    masking = dict(access.masking)
    hidden: set[str] = set()
    for item in dataset.items:
        rule = item.masking_rule
        if not rule or rule == "keep" or item.name in masking or not access.is_visible(item.name):
            continue
        masker = factory(rule)
        if masker is None:
            hidden.add(item.name)
        else:
            masking[item.name] = masker
    if not masking and not hidden:
        return decision
    visible = access.visible_columns
    if visible is not None and hidden:
        visible = frozenset(visible - hidden)
    new_access = dataclasses.replace(
        access, masking=MappingProxyType(masking), visible_columns=visible
    )
    return dataclasses.replace(decision, access=new_access)


def _check_quota(session: Session, decision: AccessDecision) -> None:
    if decision.grant is not None:
        remaining = quota_remaining(session, decision.grant)
        if remaining.calls_left == 0 or remaining.rows_left == 0:
            charge_grant(session, decision.grant, 0)  # raises RateLimited with the reason


def _account(request: Request, dataset: Dataset, rows: int, usage: UsageKind = "api_call") -> None:
    """Charge the grant's quota and queue the call-log record and usage event of a served call."""
    decision: AccessDecision = request.state.data_decision
    grant_id = decision.grant.id if decision.grant is not None else None
    if decision.grant is not None:
        with get_runtime(request).db.unit_of_work() as session:
            charge_grant(session, session.merge(decision.grant), rows)
    latency = int((time.monotonic() - request.state.data_started) * 1000)
    record = CallRecord(
        dataset_id=dataset.id,
        status=200,
        rows=rows,
        organization_id=dataset.organization_id,
        region_code=dataset.region_code,
        grant_id=grant_id,
        items=tuple(sorted(decision.granted_items)),
        latency_ms=latency,
    )
    log_call(request, record)
    record_usage(request, usage, dataset)


def _params(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang",)]


@router.get("/datasets/{dataset_id}/rows", dependencies=[policy(None)])
def dataset_rows(dataset_id: int, request: Request) -> dict[str, Any]:
    """Rows with Datasette-style filters: ``?col=v``, ``?col__op=v``, ``_sort``, ``_size``, ``_next``,
    ``_col``/``_nocol``, ``_search``, ``_facet``, ``_extra=count``, ``_version``."""
    return _rows(request, dataset_id, None)


@router.get("/datasets/{dataset_id}/resources/{resource_id}/rows", dependencies=[policy(None)])
def resource_rows(dataset_id: int, resource_id: int, request: Request) -> dict[str, Any]:
    """The same as the dataset rows, for one resource of the dataset."""
    return _rows(request, dataset_id, resource_id)


def _rows(request: Request, dataset_id: int, resource_id: int | None) -> dict[str, Any]:
    params = _params(request)
    handle, access, version, dataset = _prepare(request, dataset_id, resource_id, "api", params)
    settings = get_runtime(request).settings
    result = run_query(
        handle,
        columns=handle.columns,
        params=params,
        access=access,
        time_budget_ms=settings.query_time_budget_ms,
        cursor_key=settings.derived_key("data-cursor"),
        ignore=("lang",),
    )
    body: dict[str, Any] = {
        "rows": result.rows,
        "columns": result.columns,
        "version": version.number,
    }
    if result.next:
        body["next"] = result.next
    if result.count is not None:
        body["count"], body["count_truncated"] = result.count, result.count_truncated
    if result.facets is not None:
        body["facets"] = result.facets
    _account(request, dataset, len(result.rows))
    return body


@router.get("/datasets/{dataset_id}/preview", dependencies=[policy(None)])
def dataset_preview(
    dataset_id: int, request: Request, limit: int = Query(default=20, ge=1, le=100)
) -> dict[str, Any]:
    """First rows, schema, profile and geo information for the preview grid, chart and map."""
    handle, access, version, _ds = _prepare(request, dataset_id, None, "api", [])
    settings = get_runtime(request).settings
    result = preview(
        handle,
        columns=handle.columns,
        access=access,
        limit=limit,
        profile=version.profile,
        time_budget_ms=settings.query_time_budget_ms,
    )
    body = asdict(result)
    body["geo"] = _geo_summary(version.profile.get("geo") or {}, access)
    body["version"] = version.number
    return body


def _geo_summary(geo: dict[str, Any], access: DataAccess) -> dict[str, Any] | None:
    """Where the map finds positions, in which coordinate system, and how they are drawn."""
    points = geo.get("point_columns") or []
    geometries = [_geometry_name(g) for g in geo.get("geometry_columns") or []]
    crs = geo.get("coordinate_system")
    spec: dict[str, Any] = {
        "crs": crs,
        "map_crs": "WGS-84" if convertible(crs) else crs,
        "converted": needs_shift(crs),
        "accuracy": ACCURACY_NOTE.get(str(crs), "not converted"),
    }
    if (
        points
        and access.is_visible(points[0]["latitude"])
        and access.is_visible(points[0]["longitude"])
    ):
        spec.update(lat=points[0]["latitude"], lng=points[0]["longitude"])
    elif geometries and access.is_visible(geometries[0]):
        spec["geometry"] = geometries[0]
    else:
        return None
    return spec


def _geometry_name(entry: Any) -> str:
    return str(entry if isinstance(entry, str) else entry.get("name") or entry.get("column"))


def _geo_spec(version: ResourceVersion, access: DataAccess) -> GeoSpec:
    geo = _geo_summary(version.profile.get("geo") or {}, access) or {}
    return GeoSpec(
        lat=geo.get("lat"), lng=geo.get("lng"), geometry=geo.get("geometry"), crs=geo.get("crs")
    )


@router.get("/datasets/{dataset_id}/map.geojson", dependencies=[policy(None)])
def dataset_map(
    dataset_id: int, request: Request, _size: int = Query(default=1000, ge=1, le=1000)
) -> Response:
    """The first page of the filtered rows as GeoJSON in WGS-84, for the preview map.

    GCJ-02 and BD-09 positions are converted (metre level, see the ``accuracy`` of the
    preview's ``geo``); the properties keep the stored values. Filters as for ``rows``.
    """
    params = [(k, v) for k, v in _params(request) if k not in ("_next", "_facet", "_extra")]
    handle, access, version, dataset = _prepare(request, dataset_id, None, "api", params)
    spec = _geo_spec(version, access)
    if not spec.columns():
        raise NotFound("该数据没有坐标 (this data has no coordinates)")
    stream = stream_export(
        handle,
        columns=handle.columns,
        params=params,
        access=access,
        fmt="geojson",
        geo=spec,
        limit=_size,
    )
    _account(request, dataset, 0)
    return StreamingResponse(stream, media_type="application/geo+json")


@router.get("/datasets/{dataset_id}/aggregate", dependencies=[policy(None)])
def dataset_aggregate(
    dataset_id: int,
    request: Request,
    group_by: str,
    agg: str = "count",
    value: str | None = None,
    limit: int = Query(default=30, ge=1, le=200),
) -> dict[str, Any]:
    """Group the filtered rows by a column and aggregate another, for the chart builder."""
    params = [(k, v) for k, v in _params(request) if k not in ("group_by", "agg", "value", "limit")]
    handle, access, _v, _ds = _prepare(request, dataset_id, None, "api", params)
    result = aggregate(
        handle,
        columns=handle.columns,
        group_by=group_by,
        agg=agg,
        value=value,
        access=access,
        limit=limit,
        params=params,
        time_budget_ms=get_runtime(request).settings.query_time_budget_ms,
    )
    return asdict(result)


@router.get("/datasets/{dataset_id}/export.{fmt}", dependencies=[policy(None)])
def dataset_export(dataset_id: int, fmt: str, request: Request) -> StreamingResponse:
    """Stream any filtered view: csv (``?encoding=utf-8|utf-8-sig|gb18030``), xlsx, json, ndjson,
    xml, parquet, geojson. No size cap; memory stays flat."""
    encoding = request.query_params.get("encoding", "utf-8")
    csv_formats = {"utf-8": "csv", "utf-8-sig": "csv-bom", "gb18030": "csv-gb18030"}
    if fmt == "csv" and encoding not in csv_formats:
        raise BadRequest(
            "encoding 只能是 utf-8、utf-8-sig 或 gb18030 (unsupported encoding)",
            details={"field": "encoding"},
        )
    export_format = csv_formats[encoding] if fmt == "csv" else fmt
    exporter = get_exporter(export_format)
    params = [(k, v) for k, v in _params(request) if k != "encoding"]
    handle, access, version, dataset = _prepare(request, dataset_id, None, "extract", params)
    stream = stream_export(
        handle,
        columns=handle.columns,
        params=params,
        access=access,
        fmt=export_format,
        geo=_geo_spec(version, access),
        mark=_extract_marker(request, version, export_format),
    )
    _count_download(request, dataset.id, fmt)
    _account(request, dataset, 0, usage="download")
    headers = {
        "content-disposition": content_disposition(dataset.title, exporter.extension),
        "x-content-type-options": "nosniff",
    }
    return StreamingResponse(stream, media_type=exporter.media_type, headers=headers)


def _extract_marker(request: Request, version: ResourceVersion, fmt: str) -> ExtractMarker | None:
    """Register an extract released under a grant and return its fingerprint marker."""
    decision: AccessDecision = request.state.data_decision
    if decision.grant is None:
        return None
    runtime = get_runtime(request)
    key = runtime.settings.fingerprint_keys()[0]
    with runtime.db.unit_of_work() as session:
        extract = issue_extract(
            session,
            actor=request.state.actor,
            grant=session.merge(decision.grant),
            resource_id=version.resource_id,
            version_number=version.number,
            fmt=fmt,
            key=key,
        )
        extract_id, code = extract.id, extract.recipient_code

    def on_plan(columns: list[str]) -> None:
        with runtime.db.unit_of_work() as session:
            record_marking(session, extract_id=extract_id, columns=columns)

    return ExtractMarker(key=key, code=code, on_plan=on_plan)


def _count_download(request: Request, dataset_id: int, fmt: str) -> None:
    """Count the download; a signed-in user's also goes to My account (with its filter)."""
    with get_runtime(request).db.unit_of_work() as session:
        dataset = session.get(Dataset, dataset_id)
        if dataset is not None:
            dataset.downloads = (dataset.downloads or 0) + 1
        activity_service.record_download(
            session,
            actor=request.state.actor,
            dataset_id=dataset_id,
            fmt=fmt,
            query=request.url.query,
        )


@router.get("/datasets/{dataset_id}/versions", dependencies=[policy(None)])
def dataset_versions(dataset_id: int, request: Request) -> list[dict[str, Any]]:
    """Every resource with its versions (number, hash, rows, size, dates) for the version history."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        dataset = catalog_service.get_dataset(
            session, actor=request.state.actor, dataset_id=dataset_id
        )
        return [ResourceOut.model_validate(r).model_dump(mode="json") for r in dataset.resources]
