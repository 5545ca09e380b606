from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import TEMPLATE

from kaifang.demo import tenancy
from kaifang.demo.catalog import load_demo_catalog
from kaifang.demo.plan2021 import AS_OF, load_demo_open_lists
from kaifang.demo.usage2021 import load_demo_index, load_demo_usage
from kaifang.governance import progress, reports
from kaifang.governance.index import latest_snapshot
from kaifang.governance.models import IndexSnapshot, OpenList, UsageEvent

JUNE_END = dt.date(2021, 6, 30)


def _load(session: Session) -> tuple[int, int, int]:
    return (
        load_demo_open_lists(session),
        load_demo_usage(session),
        load_demo_index(session),
    )


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (OpenList, UsageEvent, IndexSnapshot)
    )


def _assert_index_is_demo_data_with_use(session: Session) -> None:
    """The demo snapshot is dated at the plan's as-of, marked demo, and scores 2021 use."""
    snapshot = latest_snapshot(session)
    assert snapshot is not None and snapshot.is_demo
    assert snapshot.as_of == AS_OF == dt.date(2021, 12, 31)
    stmt = select(UsageEvent.organization_id).where(UsageEvent.kind.in_(("download", "api_call")))
    users = {str(i) for i in session.scalars(stmt.distinct())}
    scored = {e["key"]: e for e in snapshot.results["organizations"]}
    assert users and users <= set(scored)
    for key in users:
        indicators = scored[key]["indicators"]
        assert indicators["U1"]["raw"] + indicators["U2"]["raw"] > 0
        assert scored[key]["layers"]["use"] > 0
    assert any(e["indicators"]["U1"]["score"] == 100.0 for e in scored.values())


def test_demo_load_tracks_ranks_and_reports_the_2021_plan(session: Session) -> None:
    tenancy.load_regions(session, with_streets=False)
    tenancy.load_organizations(session)
    load_demo_catalog(session, template=TEMPLATE)
    lists, events, snapshots = _load(session)
    assert lists >= 30 and events > 1000 and snapshots == 1
    assert {ol.status for ol in session.scalars(select(OpenList)).unique()} == {"approved"}

    units = progress.organization_progress(session, year=2021, as_of=JUNE_END)
    assert {p.expected for p in units} == {0.4}
    assert any(p.behind for p in units) and any(not p.behind for p in units)
    league = progress.league_table(session, year=2021, as_of=JUNE_END)
    assert league and league[0]["share"] > league[-1]["share"]

    scope = reports.resolve_scope(session, actor=None)
    tables = reports.report_tables(session, reports.parse_period("2021-06"), scope)
    usage = next(t for t in tables if t.columns == reports.content.USAGE_TIME_COLUMNS)
    assert sum(r["views"] + r["downloads"] + r["api_calls"] for r in usage.rows) > 0
    _assert_index_is_demo_data_with_use(session)

    before = _counts(session)
    assert _load(session) == (0, 0, 0)
    assert _counts(session) == before
