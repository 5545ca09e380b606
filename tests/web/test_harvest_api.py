"""Harvest sources and runs over the API: who may manage them, run now, and the run report."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.audit.models import AuditRecord
from tests import factories
from tests.web.helpers import bearer


def _setup(session: Session) -> int:
    org = factories.organization(session, region_code="331002")
    factories.organization(session, region_code="331003")
    factories.user(session, role="admin", region_code="3310", username="city-admin")
    factories.user(session, role="reviewer", region_code="331003", username="huangyan-reviewer")
    factories.user(session, role="officer", org=org, username="jj-officer")
    session.commit()
    return org.id


def _body(org_id: int, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "椒江区平台",
        "kind": "ckan",
        "url": "http://127.0.0.1:1/",
        "organization_id": org_id,
        "schedule": "daily",
        "filters": {"fq": "organization:jt", "domain_map": {"transport": "交通出行"}},
    }
    return {**body, **overrides}


def test_admin_registers_runs_and_reads_a_report(client: TestClient, session: Session) -> None:
    org_id = _setup(session)
    admin = bearer(client, "city-admin")
    created = client.post("/api/v1/harvest/sources", json=_body(org_id), headers=admin)
    assert created.status_code == 201, created.text
    source = created.json()
    assert source["region_code"] == "331002" and source["filters"]["fq"] == "organization:jt"
    again = client.post("/api/v1/harvest/sources", json=_body(org_id), headers=admin)
    assert again.status_code == 409

    run = client.post(f"/api/v1/harvest/sources/{source['id']}/run", headers=admin)
    assert run.status_code == 202, run.text
    report = client.get(f"/api/v1/harvest/runs/{run.json()['id']}", headers=admin).json()
    # Port 1 on loopback is refused before any connection: the run fails with the reason.
    assert report["status"] == "failed" and "not allowed" in report["error"]
    assert report["report"] == []
    listed = client.get("/api/v1/harvest/runs", params={"source_id": source["id"]}, headers=admin)
    assert [r["id"] for r in listed.json()] == [run.json()["id"]]
    assert session.query(AuditRecord).filter_by(action="harvest.source.create").count() == 1


def test_other_roles_and_regions_are_refused(client: TestClient, session: Session) -> None:
    org_id = _setup(session)
    admin = bearer(client, "city-admin")
    source = client.post("/api/v1/harvest/sources", json=_body(org_id), headers=admin).json()
    officer = bearer(client, "jj-officer")
    assert (
        client.post("/api/v1/harvest/sources", json=_body(org_id), headers=officer).status_code
        == 403
    )
    assert client.get("/api/v1/harvest/sources", headers=officer).json() == []
    reviewer = bearer(client, "huangyan-reviewer")
    path = f"/api/v1/harvest/sources/{source['id']}"
    assert client.get(path, headers=reviewer).status_code == 404
    assert client.post(f"{path}/run", headers=reviewer).status_code == 404
    assert client.get("/api/v1/harvest/sources").status_code == 401


def test_update_disable_and_delete(client: TestClient, session: Session) -> None:
    org_id = _setup(session)
    admin = bearer(client, "city-admin")
    source = client.post("/api/v1/harvest/sources", json=_body(org_id), headers=admin).json()
    path = f"/api/v1/harvest/sources/{source['id']}"
    patched = client.patch(path, json={"enabled": False, "schedule": "weekly"}, headers=admin)
    assert patched.status_code == 200 and patched.json()["schedule"] == "weekly"
    assert client.post(f"{path}/run", headers=admin).status_code == 409
    bad = client.patch(path, json={"url": "file:///etc/passwd"}, headers=admin)
    assert bad.status_code == 422
    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(path, headers=admin).status_code == 404
