"""Governance over HTTP: open lists, progress and league table, statistics, index, reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile

from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization
from kaifang.auth.policy import Target
from kaifang.auth.service import authorize
from kaifang.catalog import quality
from kaifang.clock import china_today
from kaifang.datastore.export import content_disposition
from kaifang.errors import NotFound, TooLarge
from kaifang.governance import index as index_service
from kaifang.governance import openlists, progress, reports, statistics
from kaifang.governance.render import Table, to_csv, to_xlsx
from kaifang.governance.schemas import (
    ComputeIn,
    LinkIn,
    OpenListOut,
    OpenListRowOut,
    ReadinessIn,
    RowPatch,
    StoredReportOut,
    StoreReportIn,
    open_list_out,
)
from kaifang.governance.usage import USAGE_TIME_COLUMNS, UsageQuery, usage_over_time
from kaifang.web.deps import get_runtime, signed_in_policy

router = APIRouter(prefix="/api/v1/governance", tags=["governance"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _uow(request: Request, write: bool = True) -> Any:
    return get_runtime(request).db.unit_of_work(write=write)


def _file(content: bytes, media_type: str, stem: str, ext: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(stem, ext)},
    )


def _table_file(table: Table, fmt: str) -> Response:
    if fmt == "csv":
        data = ("\ufeff" + to_csv(table)).encode()
        return _file(data, "text/csv; charset=utf-8", table.title, "csv")
    return _file(to_xlsx([table]), XLSX, table.title, "xlsx")


def _scope(request: Request, actor: Actor, action: str, organization_id: int | None) -> None:
    """Authorize a read of one organization's figures, or of the actor's whole scope."""
    if organization_id is None:
        authorize(actor, action, Target(region_code=actor.region_scope))
        return
    with _uow(request, write=False) as session:
        org = session.get(Organization, organization_id)
        if org is None:
            raise NotFound("单位不存在 (organization not found)")
        authorize(actor, action, openlists.org_target(org))


# --- open lists -----------------------------------------------------------------------------


@router.post("/openlists/import", status_code=201)
def import_open_list(
    request: Request,
    file: UploadFile = File(description="XLSX with the bureau's columns"),
    year: int = Form(ge=2000, le=2100),
    organization_id: int | None = Form(default=None),
    actor: Actor = signed_in_policy("openlist.edit"),
) -> list[OpenListOut]:
    """Replace draft lists from an XLSX; 422 naming every bad row, nothing imported."""
    limit = get_runtime(request).settings.max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge("文件超过大小限制 (file too large)")
    with _uow(request) as session:
        lists = openlists.import_open_list(
            session,
            actor=actor,
            data=data,
            filename=file.filename or "list.xlsx",
            year=year,
            organization_id=organization_id,
        )
        return [open_list_out(ol) for ol in lists]


@router.get("/openlists")
def list_open_lists(
    request: Request,
    year: int,
    organization_id: int | None = None,
    actor: Actor = signed_in_policy("openlist.read"),
) -> list[OpenListOut]:
    """The year's lists the actor may read."""
    with _uow(request, write=False) as session:
        lists = openlists.list_open_lists(
            session, actor=actor, year=year, organization_id=organization_id
        )
        return [open_list_out(ol) for ol in lists]


@router.get("/openlists/export")
def export_open_lists(
    request: Request,
    year: int,
    organization_id: int | None = None,
    as_of: dt.date | None = None,
    actor: Actor = signed_in_policy("openlist.read"),
) -> Response:
    """The readable lists as XLSX in the bureau's columns, with link and done state."""
    with _uow(request, write=False) as session:
        content = openlists.export_open_lists(
            session, actor=actor, year=year, organization_id=organization_id, as_of=as_of
        )
    return _file(content, XLSX, f"开放清单-{year}", "xlsx")


@router.get("/openlists/{open_list_id}")
def get_open_list(
    request: Request, open_list_id: int, actor: Actor = signed_in_policy("openlist.read")
) -> OpenListOut:
    """One list with its rows."""
    with _uow(request, write=False) as session:
        return open_list_out(
            openlists.get_open_list(session, actor=actor, open_list_id=open_list_id)
        )


@router.patch("/openlists/rows/{row_id}")
def edit_row(
    request: Request, row_id: int, body: RowPatch, actor: Actor = signed_in_policy("openlist.edit")
) -> OpenListRowOut:
    """Edit a row of a draft list."""
    with _uow(request) as session:
        row = openlists.update_row(
            session, actor=actor, row_id=row_id, changes=body.model_dump(exclude_none=True)
        )
        return OpenListRowOut.model_validate(row)


@router.post("/openlists/rows/{row_id}/link")
def link_row(
    request: Request, row_id: int, body: LinkIn, actor: Actor = signed_in_policy("openlist.edit")
) -> OpenListRowOut:
    """Confirm the proposed catalogue link or link another dataset of the organization."""
    with _uow(request) as session:
        row = openlists.link_row(session, actor=actor, row_id=row_id, dataset_id=body.dataset_id)
        return OpenListRowOut.model_validate(row)


@router.delete("/openlists/rows/{row_id}/link")
def unlink_row(
    request: Request, row_id: int, actor: Actor = signed_in_policy("openlist.edit")
) -> OpenListRowOut:
    """Remove a row's catalogue link."""
    with _uow(request) as session:
        return OpenListRowOut.model_validate(
            openlists.unlink_row(session, actor=actor, row_id=row_id)
        )


@router.post("/openlists/{open_list_id}/submit")
def submit_open_list(
    request: Request, open_list_id: int, actor: Actor = signed_in_policy("openlist.edit")
) -> OpenListOut:
    """Draft → submitted."""
    with _uow(request) as session:
        return open_list_out(
            openlists.submit_open_list(session, actor=actor, open_list_id=open_list_id)
        )


@router.post("/openlists/{open_list_id}/approve")
def approve_open_list(
    request: Request, open_list_id: int, actor: Actor = signed_in_policy("openlist.approve")
) -> OpenListOut:
    """Submitted → approved."""
    with _uow(request) as session:
        return open_list_out(
            openlists.approve_open_list(session, actor=actor, open_list_id=open_list_id)
        )


@router.post("/openlists/{open_list_id}/return")
def return_open_list(
    request: Request, open_list_id: int, actor: Actor = signed_in_policy("openlist.approve")
) -> OpenListOut:
    """Submitted or approved → draft, for changes."""
    with _uow(request) as session:
        return open_list_out(
            openlists.return_open_list(session, actor=actor, open_list_id=open_list_id)
        )


# --- progress and league table --------------------------------------------------------------


@router.get("/progress")
def get_progress(
    request: Request,
    year: int,
    as_of: dt.date | None = None,
    actor: Actor = signed_in_policy("stats.read"),
) -> dict[str, Any]:
    """Milestones, progress per organization/region/platform and the plan's targets."""
    _scope(request, actor, "stats.read", None)
    with _uow(request, write=False) as session:
        _year, day = progress.view_period(session, today=china_today(), year=year, as_of=as_of)
        return progress.progress_summary(session, year=year, as_of=day)


@router.get("/league-table", response_model=None)
def get_league_table(
    request: Request,
    year: int,
    as_of: dt.date | None = None,
    format: Literal["json", "xlsx"] = "json",
    actor: Actor = signed_in_policy("stats.read"),
) -> dict[str, Any] | Response:
    """Organizations ranked by list progress, flagged when behind the milestone (晾晒通报);
    a region-bound actor's table ranks their region's organizations. Without ``as_of`` the
    date is today, capped at the end of ``year``."""
    with _uow(request, write=False) as session:
        _year, day = progress.view_period(session, today=china_today(), year=year, as_of=as_of)
        ids = reports.resolve_scope(session, actor=actor, action="stats.read").organization_ids
        if format == "xlsx":
            content = progress.league_table_xlsx(
                session, year=year, as_of=day, organization_ids=ids
            )
            return _file(content, XLSX, f"晾晒通报-{year}-{day}", "xlsx")
        return {
            "year": year,
            "as_of": day.isoformat(),
            "items": progress.league_table(session, year=year, as_of=day, organization_ids=ids),
        }


# --- statistics -----------------------------------------------------------------------------


@router.get("/metadata-quality")
def get_metadata_quality(
    request: Request,
    organization_id: int | None = None,
    actor: Actor = signed_in_policy("stats.read"),
) -> dict[str, Any]:
    """Average EU MQA-style metadata quality of published datasets in the actor's scope."""
    _scope(request, actor, "stats.read", organization_id)
    region = None if organization_id is not None else actor.region_scope
    with _uow(request, write=False) as session:
        summary = quality.quality_summary(
            session, region_code=region, organization_id=organization_id
        )
    return dataclasses.asdict(summary)


@router.get("/statistics", response_model=None)
def get_statistics(
    request: Request,
    kind: Literal["catalogue", "usage", "sla"] = "catalogue",
    group_by: Literal[
        "organization", "region", "domain", "open_attribute", "grade"
    ] = "organization",
    organization_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    actor: Actor = signed_in_policy("stats.read"),
) -> dict[str, Any] | Response:
    """Catalogue, usage or application-SLA statistics as JSON, CSV or XLSX, limited to the
    actor's organization or region. Usage counts the usage events of ``start``..``end``
    (China-local days); by default the year the governance dashboard shows, up to its date."""
    with _uow(request, write=False) as session:
        scope = reports.resolve_scope(
            session, actor=actor, organization_id=organization_id, action="stats.read"
        )
        filters = _statistics_filters(kind, scope)
        period: dict[str, Any] = {}
        if kind == "usage":
            year, day = progress.view_period(session, today=china_today())
            period = {"start": start or dt.date(year, 1, 1), "end": end or day}
        table = statistics.statistics_tables(
            session, kind=kind, group_by=group_by, **period, **filters
        )
    if format == "json":
        dates = {k: v.isoformat() for k, v in period.items()}
        return {"kind": kind, "group_by": group_by, **dates, "items": table.rows}
    return _table_file(table, format)


def _statistics_filters(kind: str, scope: reports.ReportScope) -> dict[str, Any]:
    if scope.organization_id is not None:
        key = "organization_ids" if kind == "sla" else "organization_id"
        return {key: [scope.organization_id] if kind == "sla" else scope.organization_id}
    if scope.region_code is not None:
        if kind == "catalogue":
            return {"region_code": scope.region_code}
        return {"organization_ids": scope.organization_ids}
    return {}


# --- index ----------------------------------------------------------------------------------


@router.post("/index/compute", status_code=201)
def compute_index(
    request: Request, body: ComputeIn, actor: Actor = signed_in_policy("index.manage")
) -> dict[str, Any]:
    """Compute and store a snapshot; returns its id and the top of each ranking."""
    with _uow(request) as session:
        snap = index_service.compute_index(
            session, as_of=body.as_of or dt.date.today(), weights=body.weights, actor=actor
        )
        return {"id": snap.id, "as_of": snap.as_of.isoformat(), "results": snap.results}


@router.put("/index/readiness", status_code=201)
def set_readiness(
    request: Request, body: ReadinessIn, actor: Actor = signed_in_policy("index.manage")
) -> dict[str, Any]:
    """Record a readiness (准备度) value with its evidence link."""
    with _uow(request) as session:
        row = index_service.set_readiness(session, actor=actor, **body.model_dump())
        session.flush()
        return {"id": row.id, "indicator": row.indicator, "value": row.value}


@router.get("/index/latest")
def latest_index(request: Request, actor: Actor = signed_in_policy("stats.read")) -> dict[str, Any]:
    """The newest snapshot's rankings."""
    _scope(request, actor, "stats.read", None)
    with _uow(request, write=False) as session:
        snap = index_service.latest_snapshot(session)
        if snap is None:
            raise NotFound("尚未计算开放指数 (no index computed yet)")
        return {"id": snap.id, "as_of": snap.as_of.isoformat(), "results": snap.results}


@router.get("/index/history")
def index_history(
    request: Request, actor: Actor = signed_in_policy("stats.read")
) -> dict[str, Any]:
    """Snapshots newest first."""
    _scope(request, actor, "stats.read", None)
    with _uow(request, write=False) as session:
        return {"items": index_service.snapshot_history(session)}


@router.get("/index/definitions")
def index_definitions(actor: Actor = signed_in_policy("stats.read")) -> dict[str, Any]:
    """Every layer and indicator with definition, source and default weight."""
    return index_service.definitions()


@router.get("/index/{snapshot_id}/explain")
def explain_index(
    request: Request,
    snapshot_id: int,
    key: str,
    kind: Literal["organization", "region"] = "organization",
    actor: Actor = signed_in_policy("stats.read"),
) -> dict[str, Any]:
    """Drill-down of one organization or region to its indicators."""
    _scope(request, actor, "stats.read", None)
    with _uow(request, write=False) as session:
        return index_service.explain(
            index_service.get_snapshot(session, snapshot_id), kind=kind, key=key
        )


@router.get("/index/{snapshot_id}/export")
def export_index(
    request: Request, snapshot_id: int, actor: Actor = signed_in_policy("stats.read")
) -> dict[str, Any]:
    """The evaluators' JSON: method, definitions, weights, raw values and scores."""
    _scope(request, actor, "stats.read", None)
    with _uow(request, write=False) as session:
        return index_service.export_snapshot(index_service.get_snapshot(session, snapshot_id))


# --- reports --------------------------------------------------------------------------------


@router.get("/reports")
def generate_report(
    request: Request,
    period: str = Query(description="2021-06 or 2021-Q2"),
    organization_id: int | None = None,
    region_code: str | None = None,
    format: Literal["html", "pdf", "xlsx"] = "html",
    actor: Actor = signed_in_policy("report.generate"),
) -> Response:
    """The operations report of a month or quarter as a downloadable file (a region-bound
    reviewer's report covers their region's organizations only)."""
    with _uow(request, write=False) as session:
        report = reports.generate_report(
            session,
            period=period,
            organization_id=organization_id,
            region_code=region_code,
            fmt=format,
            actor=actor,
        )
    stem = report.filename.rsplit(".", 1)[0]
    return _file(report.content, report.media_type, stem, format)


@router.post("/reports/stored", status_code=201)
def store_report(
    request: Request, body: StoreReportIn, actor: Actor = signed_in_policy("report.generate")
) -> StoredReportOut:
    """Generate a report now and keep it; it is listed with its generation time."""
    with _uow(request) as session:
        row = reports.store_report(
            session,
            blobs=get_runtime(request).blobs,
            period=body.period,
            organization_id=body.organization_id,
            region_code=body.region_code,
            fmt=body.format,
            actor=actor,
        )
        return StoredReportOut.model_validate(row)


@router.get("/reports/stored")
def list_stored_reports(
    request: Request,
    period: str | None = None,
    next: int | None = Query(default=None, description="cursor from the previous page"),
    limit: int = Query(default=50, ge=1, le=200),
    actor: Actor = signed_in_policy("report.generate"),
) -> dict[str, Any]:
    """Stored reports the actor may read, newest first, with their generation time."""
    with _uow(request, write=False) as session:
        rows = reports.list_stored_reports(
            session, actor=actor, period=period, before_id=next, limit=limit
        )
        items = [StoredReportOut.model_validate(r).model_dump(mode="json") for r in rows]
    return {"items": items, "next": rows[-1].id if len(rows) == limit else None}


@router.get("/reports/stored/{report_id}/download")
def download_stored_report(
    request: Request, report_id: int, actor: Actor = signed_in_policy("report.generate")
) -> Response:
    """The stored report's file."""
    with _uow(request, write=False) as session:
        row, content = reports.get_stored_report(
            session, get_runtime(request).blobs, actor=actor, report_id=report_id
        )
    return _file(content, row.media_type, row.title, row.format)


# --- usage over time ------------------------------------------------------------------------


@router.get("/usage", response_model=None)
def get_usage(
    request: Request,
    start: dt.date,
    end: dt.date,
    by: Literal["dataset", "organization"] = "organization",
    granularity: Literal["month", "day", "total"] = "month",
    organization_id: int | None = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    actor: Actor = signed_in_policy("stats.read"),
) -> dict[str, Any] | Response:
    """Views, downloads, API calls and distinct users per period, dataset or organization."""
    with _uow(request, write=False) as session:
        scope = reports.resolve_scope(
            session, actor=actor, organization_id=organization_id, action="stats.read"
        )
        query = UsageQuery(start, end, by, granularity, scope.organization_ids)
        table = Table("使用统计", USAGE_TIME_COLUMNS, usage_over_time(session, query))
    if format == "json":
        return {"by": by, "granularity": granularity, "items": table.rows}
    return _table_file(table, format)
