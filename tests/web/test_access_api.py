"""The conditional-opening API over HTTP: the journey, tenancy, attachments, developer keys with
bearer and HMAC, rate limits with their headers, call logs, SLA figures and agreements."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.access import service
from kaifang.access.calllog import CallLogBuffer, CallRecord
from kaifang.config import Settings
from kaifang.db import Database
from tests.access.conftest import World
from tests.access.conftest import _access_schema as _access_schema
from tests.access.conftest import _access_tables as _access_tables
from tests.access.conftest import world as world
from tests.web.helpers import bearer

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path / "data",
        secret_key="test-secret-" + "x" * 32,
        queue_backend="memory",
        storage_backend="local",
        rate_limit_anonymous_per_minute=3,
    )


def _headers(client: TestClient, session: Session, actor: Any) -> dict[str, str]:
    session.flush()
    return bearer(client, actor.username)


def _application_body(world: World) -> dict[str, Any]:
    today = dt.date.today()
    return {
        "datasets": [
            {"dataset_id": world.dataset.id, "items": ["driver_mobile", "driver_name", "vin"]}
        ],
        "purpose": "公交准点率研究",
        "scenario": "城市交通运行分析",
        "expected_results": "月报",
        "target_system": "交通研究平台",
        "channel": "api",
        "period_from": today.isoformat(),
        "period_until": (today + dt.timedelta(days=90)).isoformat(),
        "security_measures": "专网部署",
        "agreement_id": world.agreement_id,
    }


def _application_model(world: World) -> Any:
    from kaifang.access.schemas import ApplicationIn

    return ApplicationIn(**_application_body(world))


def _post(client: TestClient, path: str, headers: dict[str, str], body: Any = None) -> Any:
    response = client.post(path, json=body if body is not None else {}, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_journey_over_http(client: TestClient, session: Session, world: World) -> None:
    applicant = _headers(client, session, world.applicant)
    officer = _headers(client, session, world.officer)
    reviewer = _headers(client, session, world.reviewer)
    other = _headers(client, session, world.other_officer)
    app = _post(client, "/api/v1/applications", applicant, _application_body(world))
    base = f"/api/v1/applications/{app['id']}"
    assert _post(client, f"{base}/submit", applicant)["accept_due"]
    assert client.get(base, headers=other).status_code == 404
    assert client.post(f"{base}/accept", json={}, headers=other).status_code == 404
    _post(client, f"{base}/accept", officer, {"comment": "受理"})
    _post(client, f"{base}/review", officer, {"opinion": "approve", "comment": "同意开放"})
    assert client.post(f"{base}/approve", json={}, headers=officer).status_code == 403
    decided = _post(
        client,
        f"{base}/approve",
        reviewer,
        {
            "grants": [
                {"dataset_id": world.dataset.id, "items": ["vin"], "row_filter": "district=椒江区"}
            ]
        },
    )
    assert decided["application"]["status"] == "active"
    assert decided["grants"][0]["items"] == ["vin"]
    timeline = client.get(f"{base}/timeline", headers=officer).json()
    assert [e["action"] for e in timeline] == [
        "create",
        "submit",
        "accept",
        "review",
        "approve",
        "activate",
    ]
    assert client.get(f"{base}/timeline", headers=other).status_code == 404
    html = client.get(f"{base}/timeline.html", headers=applicant)
    assert html.status_code == 200 and "受理" in html.text
    assert "script-src" not in html.headers["content-security-policy"]
    pdf = client.get(f"{base}/timeline.pdf", headers=applicant)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert client.get(f"{base}/timeline.pdf", headers=other).status_code == 404
    grants = client.get("/api/v1/grants?view=provider", headers=officer).json()
    assert [g["id"] for g in grants] == [decided["grants"][0]["id"]]
    assert client.get("/api/v1/grants", headers=other).json() == []


def test_return_and_reject_over_http(client: TestClient, session: Session, world: World) -> None:
    applicant = _headers(client, session, world.applicant)
    officer = _headers(client, session, world.officer)
    app = _post(client, "/api/v1/applications", applicant, _application_body(world))
    base = f"/api/v1/applications/{app['id']}"
    _post(client, f"{base}/submit", applicant)
    returned = _post(client, f"{base}/return", officer, {"reason": "请补充安全措施"})
    assert returned["status"] == "returned" and returned["correction_request"]
    patched = client.patch(base, json={"security_measures": "等保三级"}, headers=applicant)
    assert patched.status_code == 200
    _post(client, f"{base}/submit", applicant)
    _post(client, f"{base}/accept", officer)
    response = client.post(f"{base}/reject", json={"reason": ""}, headers=officer)
    assert response.status_code == 422


def test_refused_items_are_named(client: TestClient, session: Session, world: World) -> None:
    applicant = _headers(client, session, world.applicant)
    body = _application_body(world)
    body["datasets"][0]["items"] = ["internal_note", "line_name"]
    response = client.post("/api/v1/applications", json=body, headers=applicant)
    assert response.status_code == 422
    assert "internal_note" in response.json()["error"]["message"]


def test_attachments(client: TestClient, session: Session, world: World) -> None:
    applicant = _headers(client, session, world.applicant)
    app = _post(client, "/api/v1/applications", applicant, _application_body(world))
    url = f"/api/v1/applications/{app['id']}/attachments"
    fake = client.post(
        url,
        headers=applicant,
        files={
            "file": ("承诺书.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
        },
    )
    assert fake.status_code == 422
    made = client.post(url, headers=applicant, files={"file": ("承诺书.pdf", PDF, "text/html")})
    assert made.status_code == 201, made.text
    assert made.json()["content_type"] == "application/pdf"
    download = client.get(f"{url}/{made.json()['id']}", headers=applicant)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    stranger = _headers(client, session, world.stranger)
    assert client.get(f"{url}/{made.json()['id']}", headers=stranger).status_code == 404


def _signed(
    app_key: str, secret: str, path: str = "/api/v1/access/whoami", nonce: str | None = None
) -> dict[str, str]:
    stamp, nonce = str(int(time.time())), nonce or secrets.token_hex(16)
    signature = service.sign_request(
        secret, method="GET", path=path, query="x=1", timestamp=stamp, nonce=nonce
    )
    return {
        "x-kaifang-key": app_key,
        "x-kaifang-timestamp": stamp,
        "x-kaifang-nonce": nonce,
        "x-kaifang-signature": signature,
    }


def test_developer_keys_bearer_and_hmac(client: TestClient, session: Session, world: World) -> None:
    applicant = _headers(client, session, world.applicant)
    created = _post(
        client,
        "/api/v1/developer/keys",
        applicant,
        {"name": "研究平台", "scopes": ["data:read", "access:read"]},
    )
    key, secret = created["app_key"], created["secret"]
    listed = client.get("/api/v1/developer/keys", headers=applicant).json()
    assert [k["app_key"] for k in listed] == [key] and "secret" not in listed[0]
    me = client.get("/api/v1/access/whoami", headers={"authorization": f"Bearer {key}.{secret}"})
    assert me.status_code == 200 and me.json()["via"] == "api_key"
    assert me.headers["ratelimit-limit"] and me.headers["ratelimit-remaining"]
    signed = _signed(key, secret)
    assert client.get("/api/v1/access/whoami?x=1", headers=signed).json()["app_key"] == key
    assert client.get("/api/v1/access/whoami?x=1", headers=signed).status_code == 401
    assert client.get("/api/v1/access/whoami?x=2", headers=_signed(key, secret)).status_code == 401
    by_key = client.get("/api/v1/grants", headers={"authorization": f"Bearer {key}.{secret}"})
    assert by_key.status_code == 200
    write = client.post(
        "/api/v1/applications",
        json=_application_body(world),
        headers={"authorization": f"Bearer {key}.{secret}"},
    )
    assert write.status_code == 403
    rotated = _post(client, f"/api/v1/developer/keys/{created['id']}/rotate", applicant)
    old = client.get("/api/v1/access/whoami", headers={"authorization": f"Bearer {key}.{secret}"})
    assert old.status_code == 401
    new = {"authorization": f"Bearer {rotated['app_key']}.{rotated['secret']}"}
    assert client.get("/api/v1/access/whoami", headers=new).status_code == 200
    _post(client, f"/api/v1/developer/keys/{rotated['id']}/revoke", applicant)
    assert client.get("/api/v1/access/whoami", headers=new).status_code == 401


def test_anonymous_rate_limit_429_and_spoofed_forwarded_for(client: TestClient) -> None:
    seen = [client.get("/api/v1/access/whoami") for _ in range(3)]
    assert [r.status_code for r in seen] == [200, 200, 200]
    assert [r.headers["ratelimit-remaining"] for r in seen] == ["2", "1", "0"]
    limited = client.get("/api/v1/access/whoami")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.headers["ratelimit-remaining"] == "0"
    assert limited.json()["error"]["code"] == "rate_limited"
    for n in range(3):
        spoofed = client.get("/api/v1/access/whoami", headers={"x-forwarded-for": f"203.0.113.{n}"})
        assert spoofed.status_code == 429


def test_trusted_proxy_forwarded_for_gets_its_own_bucket(tmp_path: Path, db: Database) -> None:
    from kaifang.app import create_app
    from kaifang.runtime import build_runtime

    settings = Settings(
        env="test",
        data_dir=tmp_path,
        secret_key="s" * 40,
        queue_backend="memory",
        rate_limit_anonymous_per_minute=1,
        trusted_proxies=["testclient"],
    )
    client = TestClient(create_app(runtime=build_runtime(settings, db=db)))
    first = {"x-forwarded-for": "198.51.100.7"}
    assert client.get("/api/v1/access/whoami", headers=first).status_code == 200
    assert client.get("/api/v1/access/whoami", headers=first).status_code == 429
    other = {"x-forwarded-for": "198.51.100.8"}
    assert client.get("/api/v1/access/whoami", headers=other).status_code == 200


def test_call_logs_sla_and_agreements(
    client: TestClient, session: Session, world: World, db: Database
) -> None:
    buffer = CallLogBuffer(db)
    buffer.add(
        CallRecord(
            dataset_id=world.dataset.id,
            status=200,
            user_id=world.applicant.user_id,
            organization_id=world.provider.id,
            region_code=world.provider.region_code,
            rows=3,
        )
    )
    buffer.flush()
    applicant = _headers(client, session, world.applicant)
    officer = _headers(client, session, world.officer)
    other = _headers(client, session, world.other_officer)
    auditor = _headers(client, session, world.auditor)
    mine = client.get("/api/v1/developer/calls", headers=applicant).json()["items"]
    assert [c["rows"] for c in mine] == [3]
    assert client.get("/api/v1/developer/calls?scope=all", headers=applicant).status_code == 403
    org = client.get("/api/v1/developer/calls?scope=organization", headers=officer).json()
    assert len(org["items"]) == 1
    assert (
        client.get("/api/v1/developer/calls?scope=organization", headers=other).json()["items"]
        == []
    )
    assert (
        len(client.get("/api/v1/developer/calls?scope=all", headers=auditor).json()["items"]) == 1
    )
    sla = client.get(f"/api/v1/access/sla?organization_id={world.provider.id}", headers=officer)
    assert sla.status_code == 200 and sla.json()["accepted"] == 0
    denied = client.get(f"/api/v1/access/sla?organization_id={world.provider.id}", headers=other)
    assert denied.status_code == 403
    current = client.get("/api/v1/agreements/current")
    assert current.status_code == 200 and current.json()["id"] == world.agreement_id
    body = {
        "title": "v2",
        "agreement_text": "新的数据利用协议正文内容。",
        "commitment_text": "新的安全承诺书正文内容。",
    }
    assert client.post("/api/v1/agreements", json=body, headers=officer).status_code == 403


def test_openapi_documents_access_routes_with_examples(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/applications/{application_id}/approve" in spec["paths"]
    assert "/api/v1/developer/keys" in spec["paths"]
    assert spec["components"]["schemas"]["ApplicationIn"]["examples"]


def test_log_call_fills_caller_key_and_address(
    app: Any, runtime: Any, session: Session, world: World
) -> None:
    from starlette.requests import Request

    from kaifang.access.calllog import install_call_log
    from kaifang.web.apikeys import log_call

    scope = {
        "type": "http",
        "app": app,
        "headers": [],
        "client": ("192.0.2.9", 5000),
        "state": {"actor": world.applicant},
    }
    log_call(Request(scope), CallRecord(dataset_id=world.dataset.id, status=200, rows=4))
    buffer = install_call_log(runtime)
    assert buffer is install_call_log(runtime) and buffer.start in runtime.extras["on_start"]
    assert buffer.flush() == 1
    logged = service.list_call_logs(session, actor=world.applicant, scope="mine")
    assert [(c.rows, c.key_id) for c in logged] == [(4, None)]


def test_hmac_signed_write_covers_the_body(
    client: TestClient, session: Session, world: World
) -> None:
    applicant = _headers(client, session, world.applicant)
    created = _post(
        client, "/api/v1/developer/keys", applicant, {"scopes": ["access:write", "access:read"]}
    )
    body = json.dumps(_application_body(world)).encode()
    stamp, nonce = str(int(time.time())), secrets.token_hex(16)
    signature = service.sign_request(
        created["secret"],
        method="POST",
        path="/api/v1/applications",
        timestamp=stamp,
        nonce=nonce,
        body=body,
    )
    headers = {
        "x-kaifang-key": created["app_key"],
        "x-kaifang-timestamp": stamp,
        "x-kaifang-nonce": nonce,
        "x-kaifang-signature": signature,
        "content-type": "application/json",
    }
    made = client.post("/api/v1/applications", content=body, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["applicant_id"] == world.applicant.user_id
    headers["x-kaifang-nonce"] = secrets.token_hex(16)
    tampered = client.post(
        "/api/v1/applications", content=body.replace(b"api", b"sandbox"), headers=headers
    )
    assert tampered.status_code == 401


def test_pages_show_applications_to_both_sides(
    client: TestClient, session: Session, world: World
) -> None:
    from tests.web.helpers import login

    app = service.create_application(session, actor=world.applicant, data=_application_model(world))
    service.add_attachment(
        session,
        actor=world.applicant,
        blobs=client.app.state.runtime.blobs,
        application_id=app.id,
        filename="承诺书.pdf",
        data=PDF,
    )
    service.submit_application(session, actor=world.applicant, application_id=app.id)
    session.flush()
    page = {"accept": "text/html"}
    login(client, world.officer.username)
    listing = client.get("/workbench/applications", headers=page)
    assert listing.status_code == 200 and f"#{app.id}" in listing.text
    detail = client.get(f"/access/applications/{app.id}", headers=page)
    assert detail.status_code == 200 and "承诺书.pdf" in detail.text and "待受理" in detail.text
    client.cookies.clear()
    login(client, world.other_officer.username)
    assert client.get(f"/access/applications/{app.id}", headers=page).status_code == 404
