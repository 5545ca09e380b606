"""Statistics on a small factory catalogue, rendered as JSON rows, CSV and XLSX."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth.models import Organization
from kaifang.catalog.models import Dataset
from kaifang.errors import InvalidInput
from kaifang.governance import statistics
from kaifang.governance.render import to_csv, to_xlsx
from tests import factories
from tests.governance.conftest import used


def _catalogue(session: Session) -> tuple[Organization, Organization]:
    a = factories.organization(session, name="甲局", region_code="3310")
    b = factories.organization(session, name="乙局", region_code="331002")
    d1 = factories.published_dataset(
        session, org=a, formats=["CSV", "PDF"], domains=["交通出行", "地理空间"]
    )
    d2 = factories.published_dataset(session, org=a, formats=["API"], open_attribute="conditional")
    d3 = factories.published_dataset(session, org=b, formats=["XLSX"], domains=["教育"])
    factories.dataset(session, org=b, formats=["CSV"])  # draft: not counted
    for ds, rows, counts in ((d1, 100, (10, 5, 2)), (d2, 50, (1, 0, 40)), (d3, 7, (3, 9, 0))):
        ds.row_count, ds.resource_count = rows, 1
        ds.views, ds.downloads, ds.api_calls = counts
    session.flush()
    return a, b


def test_catalogue_statistics_by_organization(session: Session) -> None:
    _a, _b = _catalogue(session)
    rows = {r.label: r for r in statistics.catalogue_statistics(session, group_by="organization")}
    assert set(rows) == {"甲局", "乙局"}
    first = rows["甲局"]
    assert (first.datasets, first.items, first.rows, first.resources) == (2, 6, 150, 2)
    assert first.capacity == 100 * 3 + 50 * 3
    assert first.formats == {"CSV": 1, "PDF": 1, "API": 1}
    assert first.machine_readable_share == round(2 / 3, 4)
    assert rows["乙局"].datasets == 1 and rows["乙局"].machine_readable_share == 1.0


def test_catalogue_statistics_by_domain_region_attribute_and_grade(session: Session) -> None:
    _catalogue(session)
    domains = {
        r.label: r.datasets for r in statistics.catalogue_statistics(session, group_by="domain")
    }
    assert domains == {"交通出行": 2, "地理空间": 1, "教育": 1}
    regions = {
        r.key: r.datasets for r in statistics.catalogue_statistics(session, group_by="region")
    }
    assert regions == {"3310": 2, "331002": 1}
    attrs = {
        r.key: r.datasets
        for r in statistics.catalogue_statistics(session, group_by="open_attribute")
    }
    assert attrs == {"unconditional": 2, "conditional": 1}
    grades = statistics.catalogue_statistics(session, group_by="grade")
    assert sum(g.datasets for g in grades) == 3


def _events(session: Session, day: dt.date) -> None:
    """Usage events that mirror the catalogue's lifetime counters, all on ``day``."""
    for ds in session.scalars(select(Dataset).where(Dataset.status == "published")).unique():
        for kind, count in (
            ("view", ds.views),
            ("download", ds.downloads),
            ("api_call", ds.api_calls),
        ):
            if count:
                used(session, ds, kind, on=day, users=[f"u:{n}" for n in range(count)])


def test_usage_totals_per_dataset_and_organization_count_events_in_the_period(
    session: Session,
) -> None:
    a, _b = _catalogue(session)
    _events(session, dt.date(2021, 3, 1))
    in_2021 = {"start": dt.date(2021, 1, 1), "end": dt.date(2021, 12, 31)}
    by_org = {
        r["label"]: r for r in statistics.usage_statistics(session, by="organization", **in_2021)
    }
    assert (by_org["甲局"]["views"], by_org["甲局"]["downloads"], by_org["甲局"]["api_calls"]) == (
        11,
        5,
        42,
    )
    assert by_org["甲局"]["users"] == 40  # distinct user keys across its datasets
    top = statistics.usage_statistics(session, by="dataset", limit=1, **in_2021)
    assert len(top) == 1 and top[0]["api_calls"] == 40
    mine = statistics.usage_statistics(session, by="dataset", organization_id=a.id, **in_2021)
    assert len(mine) == 2
    # events outside the period and the lifetime counters alone do not count
    march = {"start": dt.date(2021, 3, 2), "end": dt.date(2021, 12, 31)}
    assert statistics.usage_statistics(session, by="organization", **march) == []
    table = statistics.statistics_tables(session, kind="usage", **in_2021)
    assert "2021-01-01" in table.title and table.rows[0]["label"] == "甲局"
    with pytest.raises(InvalidInput):
        statistics.statistics_tables(session, kind="usage")


def test_sla_figures_per_organization(session: Session) -> None:
    a, b = _catalogue(session)
    rows = statistics.sla_statistics(session, organization_ids=[a.id, b.id])
    assert [r["label"] for r in rows] == ["甲局", "乙局"]
    assert rows[0]["accepted"] == 0 and rows[0]["accept_on_time_share"] is None


def test_same_table_renders_as_csv_and_xlsx(session: Session) -> None:
    _catalogue(session)
    table = statistics.statistics_tables(session, kind="catalogue", group_by="organization")
    text = to_csv(table)
    assert text.splitlines()[0].startswith("编码,名称,数据集,数据项")
    assert "甲局,2,6" in text
    cells = (
        CalamineWorkbook.from_filelike(io.BytesIO(to_xlsx([table])))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert cells[1][1] == "甲局" and cells[1][2] == 2
