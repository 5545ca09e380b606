"""The feedback API: submit, list mine and the queue, answer, public answers per dataset."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.catalog.vocabularies import seed_vocabularies
from tests import factories
from tests.web.helpers import bearer


def test_feedback_round_trip_over_the_api(client: TestClient, session: Session) -> None:
    seed_vocabularies(session)
    org = factories.organization(session)
    dataset = factories.published_dataset(session, org=org)
    factories.user(session, username="api-citizen")
    factories.user(session, role="officer", org=org, username="api-officer")
    session.commit()
    citizen, officer = bearer(client, "api-citizen"), bearer(client, "api-officer")
    body = {
        "kind": "error_report",
        "dataset_id": dataset.id,
        "title": "坐标错误",
        "body": "编号 0107 的站点坐标落在海里。",
    }
    created = client.post("/api/v1/feedback", json=body, headers=citizen)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["status"] == "assigned" and order["due_date"] and not order["overdue"]
    assert [o["id"] for o in client.get("/api/v1/feedback", headers=citizen).json()] == [
        order["id"]
    ]
    queue = client.get("/api/v1/feedback?view=queue", headers=officer).json()
    assert [o["id"] for o in queue] == [order["id"]]
    refused = client.post(
        f"/api/v1/feedback/{order['id']}/answer", json={"answer": "好的，收到。"}, headers=citizen
    )
    assert refused.status_code == 403
    answered = client.post(
        f"/api/v1/feedback/{order['id']}/answer", json={"answer": "已更正坐标。"}, headers=officer
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    public = client.get(f"/api/v1/datasets/{dataset.id}/feedback").json()
    assert public == [
        {
            "id": order["id"],
            "kind": "error_report",
            "title": "坐标错误",
            "body": "编号 0107 的站点坐标落在海里。",
            "answer": "已更正坐标。",
            "answered_at": public[0]["answered_at"],
        }
    ]
    assert client.get(f"/api/v1/feedback/{order['id']}").status_code == 401


def test_error_report_needs_a_dataset(client: TestClient) -> None:
    body = {"kind": "error_report", "title": "坐标错误", "body": "有一处坐标不对，请核实。"}
    response = client.post("/api/v1/feedback", json=body)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
