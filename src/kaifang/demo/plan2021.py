"""The demo city's 2021 open lists (开放清单), entered, linked, submitted and approved through
the governance services, with the demo datasets' first publication placed in 2021.

Each organization gets a seeded pace: "ahead" published its datasets before the planned month,
"behind" after it (or not at all), so progress and the league table show a realistic spread.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.auth.models import Organization
from kaifang.catalog.models import Dataset
from kaifang.governance import openlists
from kaifang.governance.models import OpenList
from kaifang.governance.openlists.parsing import COLUMNS
from kaifang.governance.render import Table, to_xlsx

YEAR = 2021
# The date the demo is read at by default: the end of the plan year, which is also the end of
# the demo usage period and the date the dashboards default to for 2021.
AS_OF = dt.date(YEAR, 12, 31)
SEED = 2021
MONTHS = (4, 5, 6, 7, 8)
LIST_FILE = "台州市2021年开放清单（演示数据 demo data）.xlsx"
PACES = (("ahead", 3), ("on_track", 3), ("behind", 4))
PUBLISH_OFFSETS = {"ahead": (-3, -1), "on_track": (-1, 0), "behind": (1, 4)}
UNCATALOGUED = ("业务办理信息", "监督检查信息", "统计汇总信息")
UNCATALOGUED_ITEMS = ("名称", "编码", "所属区域", "更新时间")
EXTRA_ITEM = "备注"
SHARE_WITHOUT_DATASETS = 0.35


def _demo_datasets(session: Session) -> dict[int, list[Dataset]]:
    stmt = select(Dataset).where(Dataset.is_demo.is_(True)).order_by(Dataset.id)
    by_org: dict[int, list[Dataset]] = defaultdict(list)
    for ds in session.scalars(stmt).unique():
        by_org[ds.organization_id].append(ds)
    return by_org


def _chosen_organizations(
    session: Session, by_org: dict[int, list[Dataset]], rng: random.Random
) -> list[Organization]:
    """Every organization with demo datasets and about a third of the others."""
    orgs = session.scalars(select(Organization).order_by(Organization.id)).all()
    return [o for o in orgs if o.id in by_org or rng.random() < SHARE_WITHOUT_DATASETS]


def _items(ds: Dataset, attribute: str) -> list[str]:
    return [i.label for i in ds.items if i.open_attribute == attribute]


def _dataset_row(org: Organization, ds: Dataset, month: int, extra: bool) -> dict[str, Any]:
    unconditional = _items(ds, "unconditional") + ([EXTRA_ITEM] if extra else [])
    return {
        "organization": org.name,
        "domain": ds.domains[0] if ds.domains else "综合",
        "dataset_name": ds.title,
        "unconditional_items": unconditional,
        "conditional_items": _items(ds, "conditional"),
        "planned_month": f"{YEAR}-{month:02d}",
    }


def _uncatalogued_row(org: Organization, n: int, rng: random.Random) -> dict[str, Any]:
    return {
        "organization": org.name,
        "domain": "综合",
        "dataset_name": f"{org.name}{UNCATALOGUED[n % len(UNCATALOGUED)]}",
        "unconditional_items": list(UNCATALOGUED_ITEMS),
        "conditional_items": [],
        "planned_month": f"{YEAR}-{rng.choice(MONTHS):02d}",
    }


def _publication(month: int, pace: str, rng: random.Random) -> dt.datetime:
    low, high = PUBLISH_OFFSETS[pace]
    published = min(max(month + rng.randint(low, high), 1), 12)
    return dt.datetime(YEAR, published, rng.randint(1, 28), 2, tzinfo=dt.UTC)


def _plan_organization(
    org: Organization, datasets: list[Dataset], rng: random.Random
) -> list[dict[str, Any]]:
    """The organization's list rows; places its published datasets' first publication in 2021."""
    pace = rng.choices([p for p, _ in PACES], weights=[w for _, w in PACES])[0]
    rows = []
    for ds in datasets:
        if ds.open_attribute == "closed":
            continue
        month = rng.choice(MONTHS)
        row = _dataset_row(org, ds, month, extra=pace == "behind" and rng.random() < 0.25)
        if not row["unconditional_items"] and not row["conditional_items"]:
            continue
        rows.append(row)
        if ds.status == "published":
            ds.first_published_at = _publication(month, pace, rng)
    # Rows not yet in the catalogue: the units behind schedule and those with no datasets.
    extra_rows = 1 + rng.randint(0, 1) if pace == "behind" or not rows else 0
    rows += [_uncatalogued_row(org, n, rng) for n in range(extra_rows)]
    return rows


def _approve(session: Session, open_list: OpenList) -> None:
    for row in open_list.rows:
        if row.dataset_id is not None:
            openlists.link_row(session, actor=SYSTEM, row_id=row.id)
    openlists.submit_open_list(session, actor=SYSTEM, open_list_id=open_list.id)
    openlists.approve_open_list(session, actor=SYSTEM, open_list_id=open_list.id)


def load_demo_open_lists(session: Session) -> int:
    """Enter and approve the demo 2021 open lists once; returns how many lists were created."""
    if session.scalar(select(OpenList.id).where(OpenList.year == YEAR).limit(1)) is not None:
        return 0
    by_org = _demo_datasets(session)
    if not by_org:
        return 0
    rng = random.Random(SEED)
    rows = [
        row
        for org in _chosen_organizations(session, by_org, rng)
        for row in _plan_organization(org, by_org.get(org.id, []), rng)
    ]
    session.flush()
    data = to_xlsx([Table("开放清单", COLUMNS, rows)])
    lists = openlists.import_open_list(
        session, actor=SYSTEM, data=data, filename=LIST_FILE, year=YEAR
    )
    for open_list in lists:
        _approve(session, open_list)
    return len(lists)
