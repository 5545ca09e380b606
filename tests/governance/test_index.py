"""The open index: computed, stored with history, explained and exported with definitions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.catalog.models import Dataset
from kaifang.errors import InvalidInput, PermissionDenied
from kaifang.governance import index
from tests import factories
from tests.governance.conftest import published_on, used

AS_OF = dt.date(2021, 6, 30)


def _catalogue(session: Session) -> tuple[int, int]:
    a = factories.organization(session, name="甲局", region_code="3310")
    b = factories.organization(session, name="乙局", region_code="331002")
    for org, n, formats in ((a, 3, ["CSV", "API"]), (b, 1, ["PDF"])):
        for _ in range(n):
            ds = factories.published_dataset(session, org=org, formats=formats)
            published_on(ds, dt.date(2021, 6, 20))
            ds.row_count, ds.downloads = 10, 5
    session.flush()
    return a.id, b.id


def test_index_is_computed_ranked_and_kept_as_history(session: Session) -> None:
    a, b = _catalogue(session)
    first = index.compute_index(session, as_of=AS_OF)
    orgs = {e["key"]: e for e in first.results["organizations"]}
    assert orgs[str(a)]["rank"] < orgs[str(b)]["rank"]
    assert orgs[str(a)]["indicators"]["D1"] == {"raw": 3.0, "score": 100.0}
    assert orgs[str(b)]["indicators"]["D1"]["score"] == round(100 / 3, 2)
    assert orgs[str(a)]["indicators"]["D4"]["raw"] == 1.0
    assert orgs[str(b)]["indicators"]["D4"]["raw"] == 0.0
    assert orgs[str(a)]["indicators"]["P3"]["score"] is None  # no applications: left out
    assert {r["key"] for r in first.results["regions"]} >= {"3310", "331002"}
    second = index.compute_index(session, as_of=dt.date(2021, 7, 31))
    history = index.snapshot_history(session)
    assert [h["id"] for h in history] == [second.id, first.id]
    assert index.latest_snapshot(session, on_or_before=AS_OF).id == first.id


def test_use_counts_usage_events_in_the_index_period_not_lifetime_counters(
    session: Session,
) -> None:
    a, b = _catalogue(session)  # every dataset carries a lifetime counter of 5 downloads
    first_of_a = session.scalars(select(Dataset).where(Dataset.organization_id == a)).first()
    first_of_b = session.scalars(select(Dataset).where(Dataset.organization_id == b)).first()
    used(session, first_of_a, "download", on=dt.date(2021, 3, 1), users=["u:1", "u:2"])
    used(session, first_of_a, "api_call", on=AS_OF)
    used(session, first_of_a, "download", on=dt.date(2020, 12, 31), users=["u:3"] * 5)
    used(session, first_of_a, "download", on=dt.date(2021, 7, 1), users=["u:4"] * 3)
    used(session, first_of_b, "download", on=dt.date(2021, 6, 1))
    snapshot = index.compute_index(session, as_of=AS_OF)
    orgs = {e["key"]: e["indicators"] for e in snapshot.results["organizations"]}
    assert orgs[str(a)]["U1"] == {"raw": 2.0, "score": 100.0}
    assert orgs[str(a)]["U2"] == {"raw": 1.0, "score": 100.0}
    assert orgs[str(b)]["U1"] == {"raw": 1.0, "score": 50.0}
    assert orgs[str(b)]["U2"] == {"raw": 0.0, "score": 0.0}
    regions = {e["key"]: e["indicators"] for e in snapshot.results["regions"]}
    assert regions["3310"]["U1"]["raw"] == 2.0
    assert index.index_period(AS_OF) == (dt.date(2021, 1, 1), AS_OF)
    assert "index period" in index.INDICATOR_BY_CODE["U1"].definition


def test_readiness_values_need_evidence_and_raise_the_score(session: Session) -> None:
    a, _b = _catalogue(session)
    before = index.compute_index(session, as_of=AS_OF)
    with pytest.raises(InvalidInput):
        index.set_readiness(
            session, actor=SYSTEM, indicator="R1", value=80, evidence_url="", organization_id=a
        )
    with pytest.raises(InvalidInput):
        index.set_readiness(
            session,
            actor=SYSTEM,
            indicator="D1",
            value=80,
            evidence_url="https://x",
            organization_id=a,
        )
    index.set_readiness(
        session,
        actor=SYSTEM,
        indicator="R1",
        value=90,
        evidence_url="https://gov.example/policy",
        organization_id=a,
    )
    session.flush()
    after = index.compute_index(session, as_of=AS_OF)

    def layer(snap):
        return next(e for e in snap.results["organizations"] if e["key"] == str(a))["layers"]

    assert layer(before)["readiness"] == 0 and layer(after)["readiness"] == 30.0


def test_explain_and_export_carry_every_definition(session: Session) -> None:
    a, _b = _catalogue(session)
    snap = index.compute_index(session, as_of=AS_OF, weights={"data": 0.6, "D1": 0.5})
    detail = index.explain(snap, kind="organization", key=str(a))
    assert len(detail["indicators"]) == len(index.INDICATORS) == 15
    d1 = next(i for i in detail["indicators"] if i["code"] == "D1")
    assert d1["weight"] == 0.5 and d1["definition"] and d1["source"] and d1["raw"] == 3.0
    layers = {lay["code"]: lay for lay in detail["layers"]}
    assert layers["data"]["weight"] == 0.6 and set(layers) == {
        "readiness",
        "platform",
        "data",
        "use",
    }
    exported = index.export_snapshot(snap)
    assert "No official weights" in exported["definitions"]["weight_note"]
    assert exported["weights"]["layers"]["data"] == 0.6
    assert exported["results"]["organizations"][0]["indicators"]["D2"]["raw"] is not None


def test_weights_are_validated_and_computing_is_for_admins(session: Session) -> None:
    with pytest.raises(InvalidInput):
        index.compute_index(session, as_of=AS_OF, weights={"nope": 1})
    officer = factories.actor(session, role="officer")
    with pytest.raises(PermissionDenied):
        index.compute_index(session, as_of=AS_OF, actor=officer)
