"""Catalogue statistics, usage totals and application SLA figures, each one function whose
result renders as JSON, CSV or XLSX through ``render.Table``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kaifang.access.service import sla_figures
from kaifang.auth.models import Organization, Region
from kaifang.catalog.models import Dataset
from kaifang.catalog.vocabularies import MACHINE_READABLE, VocabularyIndex
from kaifang.errors import InvalidInput
from kaifang.governance.render import Table
from kaifang.governance.usage import UsageQuery, usage_over_time

GroupBy = Literal["organization", "region", "domain", "open_attribute", "grade"]
GROUPINGS: tuple[str, ...] = ("organization", "region", "domain", "open_attribute", "grade")
MACHINE_READABLE_UPPER = {f.upper() for f in MACHINE_READABLE}


@dataclass
class CatalogueFigures:
    """Counts for one group of published datasets."""

    key: str
    label: str
    datasets: int = 0
    items: int = 0
    capacity: int = 0
    rows: int = 0
    resources: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    machine_readable_formats: int = 0

    @property
    def machine_readable_share(self) -> float:
        """Machine-readable format entries ÷ all format entries (0 when none)."""
        total = sum(self.formats.values())
        return round(self.machine_readable_formats / total, 4) if total else 0.0

    def add(self, ds: Dataset) -> None:
        """Count one dataset into this group."""
        self.datasets += 1
        self.items += ds.item_count
        self.rows += ds.row_count
        self.capacity += ds.row_count * ds.item_count
        self.resources += ds.resource_count
        for fmt in ds.formats or []:
            name = str(fmt).upper()
            self.formats[name] = self.formats.get(name, 0) + 1
            self.machine_readable_formats += name in MACHINE_READABLE_UPPER

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures with the machine-readable share."""
        return {**asdict(self), "machine_readable_share": self.machine_readable_share}


def published_datasets(
    session: Session, *, organization_id: int | None = None, region_code: str | None = None
) -> Sequence[Dataset]:
    """Published datasets, optionally of one organization or within one region prefix."""
    stmt = select(Dataset).where(Dataset.status == "published").order_by(Dataset.id)
    if organization_id is not None:
        stmt = stmt.where(Dataset.organization_id == organization_id)
    if region_code:
        stmt = stmt.where(Dataset.region_code.startswith(region_code))
    return session.scalars(stmt.options(selectinload(Dataset.items))).unique().all()


def _group_keys(ds: Dataset, group_by: str) -> Iterable[str]:
    if group_by == "organization":
        return [str(ds.organization_id)]
    if group_by == "region":
        return [ds.region_code]
    if group_by == "domain":
        return ds.domains or ["(none)"]
    return [str(getattr(ds, group_by))]


def _labels(session: Session, group_by: str) -> Callable[[str], str]:
    if group_by == "organization":
        names = {str(i): n for i, n in session.execute(select(Organization.id, Organization.name))}
        return lambda key: names.get(key, key)
    if group_by == "region":
        regions = {c: n for c, n in session.execute(select(Region.code, Region.name))}
        return lambda key: regions.get(key, key)
    if group_by == "domain":
        vocabulary = VocabularyIndex(session)
        return lambda key: vocabulary.label("domain", key)
    return lambda key: key


def catalogue_statistics(
    session: Session,
    *,
    group_by: str = "organization",
    organization_id: int | None = None,
    region_code: str | None = None,
) -> list[CatalogueFigures]:
    """Datasets, items, capacity (rows × items), resources and formats per group, by key."""
    if group_by not in GROUPINGS:
        raise InvalidInput(
            f"不支持的分组 {group_by} (unknown grouping)", details={"allowed": list(GROUPINGS)}
        )
    label = _labels(session, group_by)
    groups: dict[str, CatalogueFigures] = {}
    for ds in published_datasets(session, organization_id=organization_id, region_code=region_code):
        for key in _group_keys(ds, group_by):
            groups.setdefault(key, CatalogueFigures(key, label(key))).add(ds)
    return sorted(groups.values(), key=lambda g: (-g.datasets, g.key))


CATALOGUE_COLUMNS = (
    ("key", "编码"),
    ("label", "名称"),
    ("datasets", "数据集"),
    ("items", "数据项"),
    ("rows", "数据量(行)"),
    ("capacity", "数据容量(行×项)"),
    ("resources", "资源"),
    ("formats", "格式"),
    ("machine_readable_share", "机器可读比例"),
)


def catalogue_table(figures: Sequence[CatalogueFigures], group_by: str) -> Table:
    """Catalogue statistics as a renderable table."""
    return Table(f"目录统计-{group_by}", CATALOGUE_COLUMNS, [f.as_dict() for f in figures])


# --- usage ----------------------------------------------------------------------------------


USAGE_COLUMNS = (
    ("key", "编码"),
    ("label", "名称"),
    ("views", "浏览量"),
    ("downloads", "下载量"),
    ("api_calls", "接口调用量"),
    ("users", "独立用户"),
)


def usage_statistics(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    by: Literal["dataset", "organization"] = "organization",
    organization_id: int | None = None,
    organization_ids: Collection[int] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Views, downloads, API calls and distinct users counted from the usage events of
    China-local days ``start``..``end``, per dataset or organization (all organizations, one,
    or those given), most downloads and API calls first."""
    ids = organization_ids
    if organization_id is not None:
        ids = [i for i in (ids or [organization_id]) if i == organization_id]
    query = UsageQuery(start, end, by=by, granularity="total", organization_ids=ids)
    rows = [{key: row[key] for key, _ in USAGE_COLUMNS} for row in usage_over_time(session, query)]
    ranked = sorted(rows, key=lambda r: (-(r["downloads"] + r["api_calls"]), r["key"]))
    return ranked[:limit] if limit else ranked


# --- application timeliness -----------------------------------------------------------------


SLA_COLUMNS = (
    ("organization_id", "单位ID"),
    ("label", "单位名称"),
    ("accepted", "已受理"),
    ("median_accept_working_days", "受理中位工作日"),
    ("accept_on_time_share", "按时受理率"),
    ("decided", "已办结"),
    ("median_decide_working_days", "办结中位工作日"),
    ("decide_on_time_share", "按时办结率"),
    ("overdue_now", "当前逾期"),
)


def sla_statistics(
    session: Session,
    *,
    organization_ids: Iterable[int] | None = None,
    since: dt.datetime | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Application SLA figures per organization (all organizations unless given)."""
    orgs = session.execute(select(Organization.id, Organization.name).order_by(Organization.id))
    wanted = set(organization_ids) if organization_ids is not None else None
    return [
        {**asdict(sla_figures(session, organization_id=i, since=since, today=today)), "label": n}
        for i, n in orgs
        if wanted is None or i in wanted
    ]


def statistics_tables(
    session: Session,
    *,
    kind: str,
    group_by: str = "organization",
    start: dt.date | None = None,
    end: dt.date | None = None,
    **filters: Any,
) -> Table:
    """The table behind a statistics export: ``catalogue``, ``usage`` (events of ``start``..
    ``end``, both required) or ``sla``."""
    if kind == "usage":
        if start is None or end is None:
            raise InvalidInput("使用统计须指定期间 (usage statistics need a period)")
        rows = usage_statistics(session, start=start, end=end, **filters)
        return Table(f"使用统计{start.isoformat()}至{end.isoformat()}", USAGE_COLUMNS, rows)
    if kind == "sla":
        return Table("申请时效", SLA_COLUMNS, sla_statistics(session, **filters))
    return catalogue_table(catalogue_statistics(session, group_by=group_by, **filters), group_by)
