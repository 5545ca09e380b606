"""Governance pages: the workbench dashboard (progress, league table, usage, index drill-down),
stored reports, and the public open-index ranking. Each page renders the same service data
that the governance API serves as JSON, CSV and XLSX; charts draw it with ECharts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.clock import china_today
from kaifang.datastore.export import content_disposition
from kaifang.errors import DomainError, NotFound, PermissionDenied
from kaifang.governance import index as index_service
from kaifang.governance import progress, reports
from kaifang.governance.reports import ReportScope
from kaifang.governance.usage import UsageQuery, usage_over_time
from kaifang.web.deps import get_runtime, policy, signed_in_policy
from kaifang.web.pages.guards import STAFF_ROLES, error_status, redirect, require_role
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)
GOVERNANCE_ROLES = (*STAFF_ROLES, "auditor")


def _period(
    session: Session, year: int | None, as_of: dt.date | None
) -> tuple[int, dt.date, dict[str, Any]]:
    """The plan year and date shown (the latest plan year with lists unless asked) and the
    selector's context: the years to switch to and whether the view was chosen by default."""
    today = china_today()
    plan_year, day = progress.view_period(session, today=today, year=year, as_of=as_of)
    years = sorted({*progress.plan_years(session), today.year, plan_year}, reverse=True)
    chooser = {
        "years": years,
        "current_year": today.year,
        "defaulted": year is None and as_of is None,
    }
    return plan_year, day, chooser


def _scope(session: Session, actor: Actor) -> ReportScope:
    """An officer sees their organization, a region-bound reviewer their region."""
    organization_id = actor.organization_id if actor.role == "officer" else None
    return reports.resolve_scope(
        session, actor=actor, organization_id=organization_id, action="stats.read"
    )


def _league(session: Session, scope: ReportScope, year: int, day: dt.date) -> list[dict[str, Any]]:
    rows = progress.league_table(session, year=year, as_of=day)
    return [r for r in rows if scope.includes(r["key"])]


def _usage_by_month(session: Session, scope: ReportScope, day: dt.date) -> list[dict[str, Any]]:
    query = UsageQuery(
        start=dt.date(day.year, 1, 1),
        end=day,
        by="organization",
        granularity="month",
        organization_ids=scope.organization_ids,
    )
    totals: dict[str, dict[str, Any]] = {}
    for row in usage_over_time(session, query):
        month = totals.setdefault(
            row["period"],
            {"period": row["period"], "views": 0, "downloads": 0, "api_calls": 0},
        )
        for column in ("views", "downloads", "api_calls"):
            month[column] += row[column]
    return sorted(totals.values(), key=lambda r: r["period"])


def _index_rows(
    session: Session, scope: ReportScope, day: dt.date
) -> tuple[Any, list[dict[str, Any]]]:
    # The snapshot of the date shown, else the newest (it is labelled with its own date).
    snapshot = index_service.latest_snapshot(session, on_or_before=day) or (
        index_service.latest_snapshot(session)
    )
    if snapshot is None:
        return None, []
    rows = [e for e in snapshot.results.get("organizations", []) if scope.includes(e["key"])]
    return snapshot, rows


def _chart(kind: str, data: Any) -> str:
    """The JSON a chart's ``data-chart`` attribute carries (Jinja escapes it)."""
    return json.dumps({"kind": kind, "data": data}, ensure_ascii=False, default=str)


@router.get("/workbench/governance")
def governance_dashboard(
    request: Request,
    year: int | None = Query(default=None, ge=2000, le=2100),
    as_of: dt.date | None = None,
    actor: Actor = signed_in_policy("stats.read"),
) -> Response:
    """Progress against milestones, the league table, usage over time and the index, for the
    plan year and date asked, else the latest plan year with lists (see ``view_period``)."""
    require_role(actor, GOVERNANCE_ROLES, "stats.read")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        plan_year, day, chooser = _period(session, year, as_of)
        scope = _scope(session, actor)
        plan = progress.get_plan(session, year=plan_year)
        league = _league(session, scope, plan_year, day)
        usage = _usage_by_month(session, scope, day)
        snapshot, index_rows = _index_rows(session, scope, day)
        milestones = [{"date": d.isoformat(), "share": s} for d, s in plan.milestone_dates()]
        context = {
            "scope": scope,
            "year": plan_year,
            "as_of": day,
            "chooser": chooser,
            "chooser_path": "/workbench/governance",
            "expected": plan.expected_share(day),
            "milestones": milestones,
            "league": league,
            "usage": usage,
            "snapshot": snapshot,
            "index_rows": index_rows,
            "progress_chart": _chart(
                "progress", {"league": league[:20], "expected": plan.expected_share(day)}
            ),
            "usage_chart": _chart("usage", usage),
            "index_chart": _chart("index", index_rows[:15]),
        }
        return render(request, "workbench/governance.html", context)


@router.get("/workbench/governance/league-table")
def league_table_page(
    request: Request,
    year: int | None = Query(default=None, ge=2000, le=2100),
    as_of: dt.date | None = None,
    actor: Actor = signed_in_policy("stats.read"),
) -> Response:
    """The printable league table (晾晒通报); the XLSX is the API's."""
    require_role(actor, GOVERNANCE_ROLES, "stats.read")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        plan_year, day, chooser = _period(session, year, as_of)
        scope = _scope(session, actor)
        context = {
            "scope": scope,
            "year": plan_year,
            "as_of": day,
            "chooser": chooser,
            "chooser_path": "/workbench/governance/league-table",
            "expected": progress.get_plan(session, year=plan_year).expected_share(day),
            "league": _league(session, scope, plan_year, day),
        }
        return render(request, "workbench/league_table.html", context)


@router.get("/workbench/governance/index/{snapshot_id}/{kind}/{key}")
def index_drilldown(
    request: Request,
    snapshot_id: int,
    kind: Literal["organization", "region"],
    key: str,
    actor: Actor = signed_in_policy("stats.read"),
) -> Response:
    """One organization's or region's score down to each indicator and its raw value."""
    require_role(actor, GOVERNANCE_ROLES, "stats.read")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        scope = _scope(session, actor)
        if kind == "organization" and not scope.includes(key):
            raise PermissionDenied("无权查看该单位 (not in your scope)")
        snapshot = index_service.get_snapshot(session, snapshot_id)
        detail = index_service.explain(snapshot, kind=kind, key=key)
        context = {"detail": detail, "layers_chart": _chart("layers", detail["layers"])}
        return render(request, "workbench/index_detail.html", context)


@router.get("/workbench/governance/reports")
def reports_page(
    request: Request,
    before: int | None = None,
    actor: Actor = signed_in_policy("report.generate"),
) -> Response:
    """Stored reports with their generation time, and a form to generate one now."""
    require_role(actor, GOVERNANCE_ROLES, "report.generate")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        rows = reports.list_stored_reports(session, actor=actor, before_id=before, limit=50)
        context = {
            "reports": rows,
            "next": rows[-1].id if len(rows) == 50 else None,
            "notice": request.query_params.get("done", ""),
        }
        return render(request, "workbench/reports.html", context)


@router.post("/workbench/governance/reports")
def generate_report_now(
    request: Request,
    period: Annotated[str, Form(max_length=10)],
    format: Annotated[Literal["html", "pdf", "xlsx"], Form()] = "pdf",
    actor: Actor = signed_in_policy("report.generate"),
) -> Response:
    """Generate and store a report for the actor's scope, then show the list."""
    require_role(actor, GOVERNANCE_ROLES, "report.generate")
    organization_id = actor.organization_id if actor.role == "officer" else None
    try:
        with get_runtime(request).db.unit_of_work() as session:
            reports.store_report(
                session,
                blobs=get_runtime(request).blobs,
                period=period,
                organization_id=organization_id,
                fmt=format,
                actor=actor,
            )
    except DomainError as exc:
        context: dict[str, Any] = {"reports": [], "next": None, "notice": "", "error": exc.message}
        return render(request, "workbench/reports.html", context, status_code=error_status(exc))
    return redirect("/workbench/governance/reports", done="stored")


@router.get("/workbench/governance/reports/{report_id}/download")
def download_report(
    request: Request, report_id: int, actor: Actor = signed_in_policy("report.generate")
) -> Response:
    """A stored report's file."""
    runtime = get_runtime(request)
    with runtime.db.unit_of_work(write=False) as session:
        row, content = reports.get_stored_report(
            session, runtime.blobs, actor=actor, report_id=report_id
        )
    headers = {"Content-Disposition": content_disposition(row.title, row.format)}
    return Response(content, media_type=row.media_type, headers=headers)


@router.get("/open-index")
def open_index_ranking(request: Request, actor: Actor = policy(None)) -> Response:
    """The public ranking of the latest open index, with every indicator's definition."""
    definitions = index_service.definitions()
    with get_runtime(request).db.unit_of_work(write=False) as session:
        snapshot = index_service.latest_snapshot(session)
        context = {
            "snapshot": snapshot,
            "organizations": snapshot.results.get("organizations", []) if snapshot else [],
            "regions": snapshot.results.get("regions", []) if snapshot else [],
            "definitions": definitions,
            "layer_names": {
                layer["code"]: f"{layer['name_zh']} ({layer['name_en']})"
                for layer in definitions["layers"]
            },
        }
        return render(request, "open_index.html", context)


@router.get("/open-index.json")
def open_index_export(request: Request, actor: Actor = policy(None)) -> dict[str, Any]:
    """The evaluators' export of the latest snapshot: method, definitions, raw values, scores."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        snapshot = index_service.latest_snapshot(session)
        if snapshot is None:
            raise NotFound("尚未计算开放指数 (no index computed yet)")
        return index_service.export_snapshot(snapshot)
