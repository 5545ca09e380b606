"""What an operations report says: its sections as tables and its charts (the one data
function every format renders), for the platform, a region or one organization."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.catalog.models import Dataset
from kaifang.governance.index import latest_snapshot
from kaifang.governance.openlists import china_date
from kaifang.governance.progress import LEAGUE_COLUMNS, day_end, get_plan, league_table
from kaifang.governance.render import BarChart, Table
from kaifang.governance.reports.periods import Period
from kaifang.governance.statistics import SLA_COLUMNS, sla_statistics
from kaifang.governance.usage import USAGE_TIME_COLUMNS, UsageQuery, usage_over_time


@dataclass(frozen=True)
class ReportScope:
    """Whose figures a report shows: every organization (``None``) or the listed ones."""

    key: str
    name: str
    organization_ids: frozenset[int] | None = None
    organization_id: int | None = None
    region_code: str | None = None

    def includes(self, organization_id: int | str) -> bool:
        return self.organization_ids is None or int(organization_id) in self.organization_ids


NEW_COLUMNS = (
    ("catalog_code", "目录编码"),
    ("title", "数据集"),
    ("organization", "单位"),
    ("change", "变化"),
    ("items", "数据项"),
    ("date", "日期"),
)
INDEX_COLUMNS = (
    ("rank", "排名"),
    ("name", "单位"),
    ("total", "总分"),
    ("readiness", "准备度"),
    ("platform", "平台层"),
    ("data", "数据层"),
    ("use", "利用层"),
    ("as_of", "指数日期"),
)
SUMMARY_COLUMNS = (("metric", "指标"), ("value", "数值"))
SECTION_TITLES = (
    "概况",
    "新增与更新数据集",
    "清单进度",
    "本期使用情况",
    "热门数据集",
    "申请办理时效",
    "开放指数",
)


def _in_scope(stmt: Any, scope: ReportScope) -> Any:
    if scope.organization_ids is None:
        return stmt
    return stmt.where(Dataset.organization_id.in_(sorted(scope.organization_ids)))


def _changed_datasets(session: Session, period: Period, scope: ReportScope) -> list[dict[str, Any]]:
    start, end = day_end(period.start - dt.timedelta(days=1)), day_end(period.end)
    stmt = select(Dataset).where(
        Dataset.status == "published",
        Dataset.last_updated_at >= start,
        Dataset.last_updated_at < end,
    )
    rows = []
    for ds in session.scalars(_in_scope(stmt, scope).order_by(Dataset.last_updated_at)).unique():
        first = ds.first_published_at
        is_new = first is not None and start <= first < end
        moment = first if is_new and first else ds.last_updated_at
        rows.append(
            {
                "catalog_code": ds.catalog_code,
                "title": ds.title,
                "organization": ds.organization.name,
                "change": "新增" if is_new else "更新",
                "items": ds.item_count,
                "date": china_date(moment).isoformat() if moment else "",
            }
        )
    return rows


def _progress_rows(session: Session, period: Period, scope: ReportScope) -> list[dict[str, Any]]:
    rows = league_table(session, year=period.end.year, as_of=period.end)
    return [r for r in rows if scope.includes(r["key"])]


def _index_rows(session: Session, period: Period, scope: ReportScope) -> list[dict[str, Any]]:
    snapshot = latest_snapshot(session, on_or_before=period.end)
    if snapshot is None:
        return []
    entities = [e for e in snapshot.results.get("organizations", []) if scope.includes(e["key"])]
    return [
        {
            "rank": e["rank"],
            "name": e["name"],
            "total": e["total"],
            **e["layers"],
            "as_of": snapshot.as_of.isoformat(),
        }
        for e in entities[:20]
    ]


def _usage(session: Session, period: Period, scope: ReportScope, by: str) -> list[dict[str, Any]]:
    query = UsageQuery(
        start=period.start,
        end=period.end,
        by="dataset" if by == "dataset" else "organization",
        granularity="total",
        organization_ids=scope.organization_ids,
    )
    return usage_over_time(session, query)


def _sla_rows(session: Session, period: Period, scope: ReportScope) -> list[dict[str, Any]]:
    since = day_end(period.start - dt.timedelta(days=1))
    ids: Collection[int] | None = scope.organization_ids
    rows = sla_statistics(session, organization_ids=ids, since=since, today=period.end)
    return [r for r in rows if r["accepted"] or r["decided"] or r["overdue_now"]]


def report_tables(session: Session, period: Period, scope: ReportScope) -> list[Table]:
    """Every section of the report as a table (the one data function behind every format)."""
    changed = _changed_datasets(session, period, scope)
    progress = _progress_rows(session, period, scope)
    usage = _usage(session, period, scope, "organization")
    top = _usage(session, period, scope, "dataset")
    top.sort(key=lambda r: (-(r["downloads"] + r["api_calls"]), -r["views"], r["key"]))
    sections = [
        (SUMMARY_COLUMNS, _summary(session, period, changed, progress, usage)),
        (NEW_COLUMNS, changed),
        (LEAGUE_COLUMNS, progress),
        (USAGE_TIME_COLUMNS, usage),
        (USAGE_TIME_COLUMNS, top[:10]),
        (SLA_COLUMNS, _sla_rows(session, period, scope)),
        (INDEX_COLUMNS, _index_rows(session, period, scope)),
    ]
    return [
        Table(title, columns, rows)
        for title, (columns, rows) in zip(SECTION_TITLES, sections, strict=True)
    ]


def _summary(
    session: Session,
    period: Period,
    changed: list[dict[str, Any]],
    progress: list[dict[str, Any]],
    usage: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    new = [r for r in changed if r["change"] == "新增"]
    plan = get_plan(session, year=period.end.year)
    planned, done = sum(r["planned"] for r in progress), sum(r["done"] for r in progress)
    return [
        {"metric": "报告期 (period)", "value": f"{period.start} — {period.end}"},
        {"metric": "新增数据集 (new datasets)", "value": len(new)},
        {"metric": "更新数据集 (updated datasets)", "value": len(changed) - len(new)},
        {"metric": "新增数据项 (new items)", "value": sum(r["items"] for r in new)},
        {"metric": "应完成比例 (milestone due)", "value": plan.expected_share(period.end)},
        {
            "metric": "清单完成率 (list progress)",
            "value": round(done / planned, 4) if planned else 0.0,
        },
        {"metric": "进度滞后单位 (units behind)", "value": sum(1 for r in progress if r["behind"])},
        {"metric": "浏览量 (page views)", "value": sum(r["views"] for r in usage)},
        {"metric": "下载量 (downloads)", "value": sum(r["downloads"] for r in usage)},
        {"metric": "接口调用量 (API calls)", "value": sum(r["api_calls"] for r in usage)},
    ]


def report_charts(tables: list[Table]) -> list[BarChart]:
    """The report's charts, drawn from its tables (top datasets, list progress)."""
    return [
        BarChart(
            "热门数据集下载与调用 (top datasets: downloads + API calls)",
            [(r["label"], r["downloads"] + r["api_calls"]) for r in tables[4].rows],
        ),
        BarChart(
            "清单完成率 (list progress)", [(r["name"], r["share"]) for r in tables[2].rows[:15]]
        ),
    ]
