"""GET /api/v1/datasets/{id}/quality: the MQA score for staff, bilingual hints, policy."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.catalog.vocabularies import seed_vocabularies
from tests import factories
from tests.web.helpers import bearer


def test_quality_endpoint_scores_and_explains(client: TestClient, session: Session) -> None:
    seed_vocabularies(session)
    org, other = factories.organization(session), factories.organization(session)
    factories.user(session, role="officer", org=org, username="q-officer")
    factories.user(session, role="officer", org=other, username="q-other")
    factories.user(session, username="q-user")
    dataset = factories.published_dataset(session, org=org, keywords=[], licence="")
    session.commit()
    url = f"/api/v1/datasets/{dataset.id}/quality"

    body = client.get(url, headers=bearer(client, "q-officer")).json()
    assert body["max_score"] == 405 and 0 < body["score"] < 405
    assert body["rating"] in ("excellent", "good", "sufficient", "bad") and body["rating_label"]
    assert sum(d["max"] for d in body["dimensions"].values()) == 405
    assert body["dimensions"]["findability"]["label"] == "可发现性"
    failed = {f["key"]: f for f in body["failed"]}
    assert {"keywords", "licence", "download_url"} <= set(failed)
    assert failed["keywords"]["label"] == "关键词" and failed["keywords"]["label_en"] == "Keywords"
    assert (
        failed["keywords"]["hint_en"]
        and failed["keywords"]["hint"] != failed["keywords"]["hint_en"]
    )
    assert body["score"] == 405 - sum(f["points"] for f in body["failed"])

    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(client, "q-user")).status_code == 403
    assert client.get(url, headers=bearer(client, "q-other")).status_code == 403
    missing = client.get("/api/v1/datasets/999999/quality", headers=bearer(client, "q-officer"))
    assert missing.status_code == 404


def test_governance_reads_the_average_in_its_scope(client: TestClient, session: Session) -> None:
    seed_vocabularies(session)
    city = factories.organization(session, region_code="331002")
    county = factories.organization(session, region_code="331003")
    factories.user(session, role="admin", username="q-admin")
    factories.user(session, role="officer", org=city, username="q-city")
    factories.user(session, role="reviewer", region_code="331003", username="q-county")
    factories.published_dataset(session, org=city)
    factories.published_dataset(session, org=county, keywords=[])
    session.commit()
    url = "/api/v1/governance/metadata-quality"
    platform = client.get(url, headers=bearer(client, "q-admin")).json()
    assert platform["datasets"] == 2 and platform["max_score"] == 405
    assert set(platform["dimensions"]) == {
        "findability",
        "accessibility",
        "interoperability",
        "reusability",
        "contextuality",
    }
    county_view = client.get(url, headers=bearer(client, "q-county")).json()
    assert county_view["datasets"] == 1 and county_view["average_score"] < platform["average_score"]
    officer = bearer(client, "q-city")
    assert (
        client.get(url, params={"organization_id": city.id}, headers=officer).json()["datasets"]
        == 1
    )
    assert (
        client.get(url, params={"organization_id": county.id}, headers=officer).status_code == 403
    )
    assert client.get(url).status_code == 401
