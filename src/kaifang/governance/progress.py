"""Open-list progress against milestones and the plan's targets, and the league table (晾晒通报).

Defaults follow the city's 2021 plan: 40% of the list open by the end of June, 70% by the end
of July, 100% by the end of August; ≥150 new city-level datasets; ≥20% more open data items
than the previous year's baseline; open items ≥70% of the items catalogued as openable; and a
minimum number of open datasets per district (30 unless set per district).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization, Region
from kaifang.auth.service import authorize
from kaifang.catalog.models import DataItem, Dataset
from kaifang.db import utcnow
from kaifang.governance.models import BaselineFigure, OpenList, PlanSetting
from kaifang.governance.openlists import CHINA, linked_datasets, row_state
from kaifang.governance.render import Table, to_xlsx
from kaifang.governance.service import baseline_totals

PLATFORM = "platform"


@dataclass(frozen=True)
class Plan:
    """Milestones as (month, share due by its last day) and the year's targets."""

    year: int
    milestones: tuple[tuple[int, float], ...] = ((6, 0.4), (7, 0.7), (8, 1.0))
    new_city_datasets: int = 150
    item_growth: float = 0.20
    openable_share: float = 0.70
    district_minimum: int = 30
    district_minimums: dict[str, int] = field(default_factory=dict)

    def milestone_dates(self) -> list[tuple[dt.date, float]]:
        """Each milestone as (last day of its month, share)."""
        return [
            (dt.date(self.year, m, calendar.monthrange(self.year, m)[1]), share)
            for m, share in self.milestones
        ]

    def expected_share(self, as_of: dt.date) -> float:
        """The share that should be done by ``as_of`` (the last milestone passed, else 0)."""
        passed = [share for day, share in self.milestone_dates() if day <= as_of]
        return max(passed, default=0.0)


def get_plan(session: Session, *, year: int) -> Plan:
    """The stored plan of ``year`` over the defaults."""
    stored = session.get(PlanSetting, year)
    values: dict[str, Any] = dict(stored.settings) if stored else {}
    if "milestones" in values:
        values["milestones"] = tuple((int(m), float(s)) for m, s in values["milestones"])
    return Plan(year=year, **values)


def set_plan(session: Session, *, actor: Actor, year: int, **values: Any) -> Plan:
    """Store milestones/targets for ``year``; unknown keys raise TypeError via ``Plan``."""
    authorize(actor, "index.manage")
    plan = Plan(year=year, **{**_stored_values(session, year), **values})
    data = {k: v for k, v in asdict(plan).items() if k != "year"}
    row = session.get(PlanSetting, year) or PlanSetting(year=year)
    row.settings, row.modified_at = data, utcnow()
    session.add(row)
    audit_service.record(
        session, action="plan.set", actor=actor, object_type="plan", object_id=year, details=data
    )
    return plan


def _stored_values(session: Session, year: int) -> dict[str, Any]:
    stored = session.get(PlanSetting, year)
    return dict(stored.settings) if stored else {}


def day_end(as_of: dt.date) -> dt.datetime:
    """The first instant after ``as_of`` in China, as an aware datetime."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), CHINA)


def year_start(year: int) -> dt.datetime:
    """Midnight of 1 January of ``year`` in China."""
    return dt.datetime(year, 1, 1, tzinfo=CHINA)


# --- which plan year a view shows ---------------------------------------------------------


def plan_years(session: Session) -> list[int]:
    """Years that have open lists, newest first."""
    stmt = select(OpenList.year).distinct().order_by(OpenList.year.desc())
    return [int(y) for y in session.scalars(stmt)]


def view_period(
    session: Session, *, today: dt.date, year: int | None = None, as_of: dt.date | None = None
) -> tuple[int, dt.date]:
    """The plan year and as-of date a governance view shows when the request leaves them out.

    An explicit ``as_of`` wins (its year unless ``year`` is given). Without a year, the current
    year is shown if it has open lists, else the latest earlier year that has some (so a
    platform between plans, or the demo's 2021 plan, is not shown empty). Without ``as_of``
    the date is ``today``, capped at the last day of the year shown.
    """
    if as_of is not None:
        return year or as_of.year, as_of
    if year is None:
        earlier = [y for y in plan_years(session) if y <= today.year]
        year = earlier[0] if earlier else today.year
    return year, min(today, dt.date(year, 12, 31))


# --- list progress --------------------------------------------------------------------------


@dataclass
class Progress:
    """Done rows of one organization, region or the platform against the expected share."""

    key: str
    name: str
    region_code: str = ""
    lists: int = 0
    planned: int = 0
    done: int = 0
    due: int = 0
    overdue: int = 0
    items_listed: int = 0
    items_done: int = 0
    expected: float = 0.0
    status: str = ""

    @property
    def share(self) -> float:
        """Done rows ÷ planned rows (0 for an empty list)."""
        return round(self.done / self.planned, 4) if self.planned else 0.0

    @property
    def behind(self) -> bool:
        """True when the done share is below the milestone due by the date."""
        return self.share < self.expected

    def add(self, other: Progress) -> None:
        """Accumulate another unit's counts into this one."""
        for name in ("lists", "planned", "done", "due", "overdue", "items_listed", "items_done"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures including share and the behind flag."""
        return {**asdict(self), "share": self.share, "behind": self.behind}


def _list_progress(open_list: OpenList, datasets: dict[int, Dataset], as_of: dt.date) -> Progress:
    org = open_list.organization
    progress = Progress(str(org.id), org.name, org.region_code, lists=1, status=open_list.status)
    due_month = f"{as_of.year}-{as_of.month:02d}"
    for row in open_list.rows:
        ds = datasets.get(row.dataset_id) if row.dataset_id else None
        state = row_state(row, ds, as_of)
        listed = len(row.unconditional_items) + len(row.conditional_items)
        is_due = row.planned_month <= due_month
        progress.planned += 1
        progress.done += state.done
        progress.due += is_due
        progress.overdue += is_due and not state.done
        progress.items_listed += listed
        if state.reason in ("done", "missing_items"):
            progress.items_done += listed - len(state.missing_items)
    return progress


def _lists(session: Session, year: int) -> Sequence[OpenList]:
    return session.scalars(select(OpenList).where(OpenList.year == year)).unique().all()


def organization_progress(session: Session, *, year: int, as_of: dt.date) -> list[Progress]:
    """Progress of every organization with a list for ``year``, as of a date."""
    plan = get_plan(session, year=year)
    lists = _lists(session, year)
    datasets = linked_datasets(session, [r for ol in lists for r in ol.rows])
    result = [_list_progress(ol, datasets, as_of) for ol in lists]
    for p in result:
        p.expected = plan.expected_share(as_of)
    return sorted(result, key=lambda p: p.name)


def region_progress(session: Session, *, year: int, as_of: dt.date) -> list[Progress]:
    """Organizations' progress summed by their region (districts and the city's departments)."""
    names = {c: n for c, n in session.execute(select(Region.code, Region.name))}
    by_region: dict[str, Progress] = {}
    for p in organization_progress(session, year=year, as_of=as_of):
        total = by_region.setdefault(
            p.region_code,
            Progress(p.region_code, names.get(p.region_code, p.region_code), p.region_code),
        )
        total.add(p)
        total.expected = p.expected
    return sorted(by_region.values(), key=lambda p: p.key)


def platform_progress(session: Session, *, year: int, as_of: dt.date) -> Progress:
    """All lists of ``year`` together."""
    total = Progress(PLATFORM, "全平台 (platform)")
    total.expected = get_plan(session, year=year).expected_share(as_of)
    for p in organization_progress(session, year=year, as_of=as_of):
        total.add(p)
    return total


# --- league table ---------------------------------------------------------------------------


def league_table(
    session: Session,
    *,
    year: int,
    as_of: dt.date,
    organization_ids: Collection[int] | None = None,
) -> list[dict[str, Any]]:
    """Organizations (all, or those given) ranked by done share, then done rows; ``behind``
    flags missed milestones."""
    units = organization_progress(session, year=year, as_of=as_of)
    if organization_ids is not None:
        units = [p for p in units if int(p.key) in organization_ids]
    ranked = sorted(units, key=lambda p: (-p.share, -p.done, p.name))
    return [{"rank": i, **p.as_dict()} for i, p in enumerate(ranked, start=1)]


LEAGUE_COLUMNS = (
    ("rank", "排名"),
    ("name", "单位名称"),
    ("region_code", "区划代码"),
    ("status", "清单状态"),
    ("planned", "清单数据集"),
    ("done", "已完成"),
    ("share", "完成率"),
    ("expected", "应完成比例"),
    ("due", "已到期"),
    ("overdue", "逾期未完成"),
    ("behind", "进度滞后"),
)


def league_table_xlsx(
    session: Session,
    *,
    year: int,
    as_of: dt.date,
    organization_ids: Collection[int] | None = None,
) -> bytes:
    """The league table as one XLSX sheet titled with the year and date."""
    rows = league_table(session, year=year, as_of=as_of, organization_ids=organization_ids)
    for row in rows:
        row["behind"] = "是" if row["behind"] else "否"
    return to_xlsx([Table(f"{year}晾晒通报{as_of.isoformat()}", LEAGUE_COLUMNS, rows)])


# --- targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetResult:
    """One plan target: what was asked, what is achieved, and whether it is met."""

    code: str
    label: str
    target: float
    actual: float
    scope: str = PLATFORM

    @property
    def met(self) -> bool:
        """True when ``actual`` reaches ``target``."""
        return self.actual >= self.target

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures with ``met``."""
        return {**asdict(self), "met": self.met}


def _published_by(as_of: dt.date) -> Any:
    return (Dataset.status == "published") & (Dataset.first_published_at < day_end(as_of))


def open_items_by_organization(session: Session, *, as_of: dt.date) -> dict[int, int]:
    """Open (not closed) items of datasets published by ``as_of``, per organization."""
    stmt = (
        select(Dataset.organization_id, func.count(DataItem.id))
        .join(DataItem, DataItem.dataset_id == Dataset.id)
        .where(_published_by(as_of), DataItem.open_attribute != "closed")
        .group_by(Dataset.organization_id)
    )
    return {int(k): int(v) for k, v in session.execute(stmt)}


def item_growth_targets(session: Session, *, year: int, as_of: dt.date) -> list[TargetResult]:
    """Per organization: open items now against the previous year's baseline × (1 + growth)."""
    plan = get_plan(session, year=year)
    actual = open_items_by_organization(session, as_of=as_of)
    rows = session.execute(
        select(BaselineFigure, Organization.name)
        .join(Organization, Organization.id == BaselineFigure.organization_id)
        .where(BaselineFigure.year == year - 1)
        .order_by(Organization.name)
    ).all()
    return [
        TargetResult(
            "item_growth",
            name,
            math.ceil(b.items * (1 + plan.item_growth)),
            actual.get(b.organization_id, 0),
            scope=str(b.organization_id),
        )
        for b, name in rows
    ]


def _new_city_datasets(session: Session, year: int, as_of: dt.date) -> int:
    stmt = select(func.count(Dataset.id)).where(
        _published_by(as_of),
        Dataset.first_published_at >= year_start(year),
        func.length(Dataset.region_code) == 4,
    )
    return int(session.scalar(stmt) or 0)


def _openable_share(session: Session, as_of: dt.date) -> float:
    openable = (
        select(func.count(DataItem.id))
        .join(Dataset)
        .where(
            DataItem.open_attribute != "closed", Dataset.status.not_in(("withdrawn", "rejected"))
        )
    )
    total = int(session.scalar(openable) or 0)
    opened = sum(open_items_by_organization(session, as_of=as_of).values())
    return round(opened / total, 4) if total else 0.0


def _district_results(session: Session, plan: Plan, as_of: dt.date) -> list[TargetResult]:
    stmt = (
        select(Dataset.region_code, func.count(Dataset.id))
        .where(_published_by(as_of))
        .group_by(Dataset.region_code)
    )
    counts = {code: int(n) for code, n in session.execute(stmt)}
    districts = session.execute(select(Region.code, Region.name).where(Region.level == 3)).all()
    return [
        TargetResult(
            "district_minimum",
            name,
            plan.district_minimums.get(code, plan.district_minimum),
            int(counts.get(code, 0)),
            scope=code,
        )
        for code, name in districts
        if _has_organization(session, code)
    ]


def _has_organization(session: Session, region_code: str) -> bool:
    stmt = select(Organization.id).where(Organization.region_code == region_code).limit(1)
    return session.scalar(stmt) is not None


def plan_targets(session: Session, *, year: int, as_of: dt.date) -> list[TargetResult]:
    """Platform targets (new city datasets, item growth, openable share) and district minimums."""
    plan = get_plan(session, year=year)
    _, baseline_items = baseline_totals(session, year=year - 1)
    opened = sum(open_items_by_organization(session, as_of=as_of).values())
    return [
        TargetResult(
            "new_city_datasets",
            "新增市级开放数据集 (new city-level datasets)",
            plan.new_city_datasets,
            _new_city_datasets(session, year, as_of),
        ),
        TargetResult(
            "item_growth",
            f"开放数据项较{year - 1}年增长 (open items vs {year - 1})",
            math.ceil(baseline_items * (1 + plan.item_growth)),
            opened,
        ),
        TargetResult(
            "openable_share",
            "开放数据项占可开放数据项比例 (open share of openable items)",
            plan.openable_share,
            _openable_share(session, as_of),
        ),
        *_district_results(session, plan, as_of),
    ]


def progress_summary(session: Session, *, year: int, as_of: dt.date) -> dict[str, Any]:
    """Everything the progress page and API show: milestones, units, targets."""
    plan = get_plan(session, year=year)
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "milestones": [{"date": d.isoformat(), "share": s} for d, s in plan.milestone_dates()],
        "expected": plan.expected_share(as_of),
        "platform": platform_progress(session, year=year, as_of=as_of).as_dict(),
        "regions": [p.as_dict() for p in region_progress(session, year=year, as_of=as_of)],
        "organizations": [
            p.as_dict() for p in organization_progress(session, year=year, as_of=as_of)
        ],
        "targets": [t.as_dict() for t in plan_targets(session, year=year, as_of=as_of)],
    }
