"""Monthly and quarterly operations reports (运营报告) as self-contained HTML, PDF or XLSX.

One data function (``report_tables`` and ``report_charts``) feeds every format. The HTML has
inline CSS and inline SVG charts and no external references, so it can be downloaded and
opened offline; the PDF embeds a subset of a vendored CJK font and draws charts as vectors. Usage figures are cumulative totals to the end of the period
(the catalogue keeps running counters, not per-period usage).
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization
from kaifang.auth.policy import Target
from kaifang.auth.service import authorize
from kaifang.catalog.models import Dataset
from kaifang.errors import InvalidInput, NotFound
from kaifang.governance.index import latest_snapshot
from kaifang.governance.openlists import org_target
from kaifang.governance.progress import (
    LEAGUE_COLUMNS,
    day_end,
    get_plan,
    league_table,
    platform_progress,
)
from kaifang.governance.render import BarChart, Table, bar_chart_svg, to_html, to_xlsx
from kaifang.governance.render_pdf import to_pdf
from kaifang.governance.statistics import (
    SLA_COLUMNS,
    USAGE_COLUMNS,
    sla_statistics,
    usage_statistics,
)

ReportFormat = Literal["html", "pdf", "xlsx"]
PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter with its first and last day."""

    label: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Report:
    """A generated report file."""

    filename: str
    media_type: str
    content: bytes


def parse_period(text: str) -> Period:
    """ "2021-06" (month) or "2021-Q2" (quarter); InvalidInput otherwise."""
    match = PERIOD.match(text.strip())
    if match is None:
        raise InvalidInput(
            f"期间「{text}」格式应为 2021-06 或 2021-Q2 (period must look like 2021-06 or 2021-Q2)",
            details={"field": "period"},
        )
    year = int(match.group(1))
    first, last = (
        (int(match.group(2)),) * 2
        if match.group(2)
        else (3 * int(match.group(3)) - 2, 3 * int(match.group(3)))
    )
    end = dt.date(year, last, calendar.monthrange(year, last)[1])
    return Period(text.strip(), dt.date(year, first, 1), end)


NEW_COLUMNS = (
    ("catalog_code", "目录编码"),
    ("title", "数据集"),
    ("organization", "单位"),
    ("change", "变化"),
    ("items", "数据项"),
    ("date", "日期"),
)


def _changed_datasets(
    session: Session, period: Period, organization_id: int | None
) -> list[dict[str, Any]]:
    start, end = day_end(period.start - dt.timedelta(days=1)), day_end(period.end)
    stmt = select(Dataset).where(
        Dataset.status == "published",
        Dataset.last_updated_at >= start,
        Dataset.last_updated_at < end,
    )
    if organization_id is not None:
        stmt = stmt.where(Dataset.organization_id == organization_id)
    rows = []
    for ds in session.scalars(stmt.order_by(Dataset.last_updated_at)).unique():
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
                "date": moment.date().isoformat() if moment else "",
            }
        )
    return rows


def _progress_rows(
    session: Session, period: Period, organization_id: int | None
) -> list[dict[str, Any]]:
    rows = league_table(session, year=period.end.year, as_of=period.end)
    return [r for r in rows if organization_id is None or r["key"] == str(organization_id)]


def _index_rows(
    session: Session, period: Period, organization_id: int | None
) -> list[dict[str, Any]]:
    snapshot = latest_snapshot(session, on_or_before=period.end)
    if snapshot is None:
        return []
    entities = snapshot.results.get("organizations", [])
    if organization_id is not None:
        entities = [e for e in entities if e["key"] == str(organization_id)]
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


def report_tables(session: Session, period: Period, organization_id: int | None) -> list[Table]:
    """Every section of the report as a table (the one data function behind both formats)."""
    changed = _changed_datasets(session, period, organization_id)
    ids = [organization_id] if organization_id is not None else None
    since = day_end(period.start - dt.timedelta(days=1))
    sla = [
        r
        for r in sla_statistics(session, organization_ids=ids, since=since, today=period.end)
        if r["accepted"] or r["decided"] or r["overdue_now"]
    ]
    usage = usage_statistics(session, by="organization", organization_id=organization_id)
    top = usage_statistics(session, by="dataset", organization_id=organization_id, limit=10)
    progress = _progress_rows(session, period, organization_id)
    return [
        Table("概况", SUMMARY_COLUMNS, _summary(session, period, changed, progress)),
        Table("新增与更新数据集", NEW_COLUMNS, changed),
        Table("清单进度", LEAGUE_COLUMNS, progress),
        Table("使用情况(累计)", USAGE_COLUMNS, usage),
        Table("热门数据集", USAGE_COLUMNS, top),
        Table("申请办理时效", SLA_COLUMNS, sla),
        Table("开放指数", INDEX_COLUMNS, _index_rows(session, period, organization_id)),
    ]


def _summary(
    session: Session, period: Period, changed: list[dict[str, Any]], progress: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    new = [r for r in changed if r["change"] == "新增"]
    plan = get_plan(session, year=period.end.year)
    platform = platform_progress(session, year=period.end.year, as_of=period.end)
    return [
        {"metric": "报告期 (period)", "value": f"{period.start} — {period.end}"},
        {"metric": "新增数据集 (new datasets)", "value": len(new)},
        {"metric": "更新数据集 (updated datasets)", "value": len(changed) - len(new)},
        {"metric": "新增数据项 (new items)", "value": sum(r["items"] for r in new)},
        {"metric": "应完成比例 (milestone due)", "value": plan.expected_share(period.end)},
        {"metric": "全平台清单完成率 (platform list progress)", "value": platform.share},
        {"metric": "进度滞后单位 (units behind)", "value": sum(1 for r in progress if r["behind"])},
    ]


STYLE = (
    "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
    "th,td{border:1px solid #bbb;padding:4px 8px;text-align:left}"
    "th{background:#ddebf7}caption{font-weight:bold;text-align:left;padding:4px 0}"
)


def report_charts(tables: list[Table]) -> list[BarChart]:
    """The report's charts, drawn from its tables (top downloads, list progress)."""
    return [
        BarChart(
            "下载量前10 (top downloads)", [(r["label"], r["downloads"]) for r in tables[4].rows]
        ),
        BarChart(
            "清单完成率 (list progress)", [(r["name"], r["share"]) for r in tables[2].rows[:15]]
        ),
    ]


def render_html(title: str, tables: list[Table]) -> bytes:
    """A self-contained HTML document: inline style, inline SVG charts, no external assets."""
    charts = [bar_chart_svg(c.title, c.bars) for c in report_charts(tables)]
    body = "".join(to_html(t) for t in tables) + "".join(f"<figure>{c}</figure>" for c in charts)
    doc = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return doc.encode("utf-8")


def generate_report(
    session: Session,
    *,
    period: str,
    organization_id: int | None = None,
    fmt: ReportFormat = "html",
    actor: Actor | None = None,
) -> Report:
    """The operations report of a month or quarter, platform-wide or for one organization."""
    parsed = parse_period(period)
    org = _organization(session, organization_id)
    if actor is not None:
        authorize(
            actor,
            "report.generate",
            org_target(org) if org else Target(region_code=actor.region_scope),
        )
    scope = org.name if org else "全平台"
    title = f"{scope} {parsed.label} 公共数据开放运营报告"
    tables = report_tables(session, parsed, organization_id)
    if fmt not in MEDIA_TYPES:
        raise InvalidInput(
            "格式须为 html、pdf 或 xlsx (format must be html, pdf or xlsx)",
            details={"field": "format"},
        )
    return Report(f"{title}.{fmt}", MEDIA_TYPES[fmt], render(fmt, title, tables))


def render(fmt: str, title: str, tables: list[Table]) -> bytes:
    """The report's tables in one format (the renderers registered for reports)."""
    if fmt == "pdf":
        return to_pdf(title, tables, report_charts(tables))
    if fmt == "xlsx":
        return to_xlsx(tables)
    return render_html(title, tables)


def _organization(session: Session, organization_id: int | None) -> Organization | None:
    if organization_id is None:
        return None
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound("单位不存在 (organization not found)")
    return org
