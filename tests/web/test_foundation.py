"""The web skeleton: probes, errors, headers, limits, sign-in, CSRF, tokens and audit access."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.audit.models import AuditRecord
from kaifang.codes import uscc_check_char
from tests import factories
from tests.web.helpers import bearer, csrf_from_page, login


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


def test_security_headers_and_request_id(client: TestClient) -> None:
    r = client.get("/", headers={"accept": "text/html"})
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    assert len(r.headers["x-request-id"]) == 16


def test_english_is_switchable(client: TestClient) -> None:
    zh = client.get("/", headers={"accept": "text/html"}).text
    en = client.get("/?lang=en", headers={"accept": "text/html"}).text
    assert 'lang="zh-CN"' in zh and "数据集" in zh
    assert 'lang="en"' in en and "Datasets" in en


def test_wrong_password_is_401_without_hint(client: TestClient, session: Session) -> None:
    factories.user(session, username="dora")
    session.commit()
    wrong = client.post("/api/v1/auth/login", json={"username": "dora", "password": "x" * 9})
    unknown = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x" * 9})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_lockout_is_423_with_retry_after(client: TestClient, runtime, session: Session) -> None:  # type: ignore[no-untyped-def]
    factories.user(session, username="eve")
    session.commit()
    for _ in range(runtime.settings.login_max_failures):
        client.post("/api/v1/auth/login", json={"username": "eve", "password": "bad-pass-1"})
    r = client.post("/api/v1/auth/login", json={"username": "eve", "password": factories.PASSWORD})
    assert r.status_code == 423 and int(r.headers["retry-after"]) > 0


def test_register_duplicate_and_invalid_credit_code(client: TestClient) -> None:
    body = {"username": "newbie", "password": "long-enough-pw"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    dup = client.post("/api/v1/auth/register", json=body)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "conflict"
    base = "91331000MA2ABCDE1"
    wrong = "0" if uscc_check_char(base) != "0" else "1"
    bad = client.post(
        "/api/v1/auth/register",
        json={
            "username": "company1",
            "password": "long-enough-pw",
            "account_kind": "organization",
            "company_uscc": base + wrong,
        },
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"] == {"field": "company_uscc"}


def test_malformed_json_is_400_and_oversized_body_413(client: TestClient, runtime) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    big = b"x" * (runtime.settings.max_body_bytes + 1)
    r = client.post("/api/v1/auth/login", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_validation_error_names_the_field(client: TestClient) -> None:
    r = client.post("/api/v1/auth/register", json={"username": "x"})
    assert r.status_code == 422
    assert any(d["field"] == "password" for d in r.json()["error"]["details"])


def test_unknown_page_has_no_stack_trace(client: TestClient) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert "Traceback" not in r.text


def test_form_login_requires_csrf_and_rotates_session(client: TestClient, session: Session) -> None:
    factories.user(session, username="frank")
    session.commit()
    form = {"username": "frank", "password": factories.PASSWORD, "next": "/account"}
    no_token = client.post("/login", data=form, follow_redirects=False)
    assert no_token.status_code == 403
    token = csrf_from_page(client)
    ok = client.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/account"
    first = client.cookies.get("kf_session")
    assert first and "httponly" in ok.headers["set-cookie"].lower()
    client.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert client.cookies.get("kf_session") != first


def test_login_redirect_is_never_off_site(client: TestClient, session: Session) -> None:
    factories.user(session, username="gina")
    session.commit()
    token = csrf_from_page(client)
    r = client.post(
        "/login",
        data={
            "username": "gina",
            "password": factories.PASSWORD,
            "next": "//evil.example/x",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_cookie_api_write_needs_csrf_header(client: TestClient, session: Session) -> None:
    factories.user(session, username="hank")
    session.commit()
    login(client, "hank")
    assert client.post("/api/v1/me/tokens", json={}).status_code == 403
    token = csrf_from_page(client, "/account")
    r = client.post("/api/v1/me/tokens", json={"name": "ci"}, headers={"x-csrf-token": token})
    assert r.status_code == 201 and r.json()["token"].startswith("kf_")


def test_bearer_token_and_revocation(client: TestClient, session: Session) -> None:
    factories.user(session, username="ivy")
    session.commit()
    headers = bearer(client, "ivy")
    assert client.get("/api/v1/me", headers=headers).json()["username"] == "ivy"
    tokens = client.get("/api/v1/me/tokens", headers=headers).json()
    assert client.delete(f"/api/v1/me/tokens/{tokens[0]['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_logout_invalidates_session(client: TestClient, session: Session) -> None:
    factories.user(session, username="jack")
    session.commit()
    login(client, "jack")
    raw = client.cookies.get("kf_session")
    assert client.post("/api/v1/auth/logout").status_code == 403  # CSRF: cookie alone is not enough
    token = csrf_from_page(client, "/account")
    assert client.post("/api/v1/auth/logout", headers={"x-csrf-token": token}).status_code == 204
    client.cookies.set("kf_session", raw or "")
    assert client.get("/api/v1/me").status_code == 401


def test_audit_readable_by_auditors_only_and_denials_audited(
    client: TestClient, session: Session
) -> None:
    factories.user(session, role="auditor", username="audrey")
    factories.user(session, username="kim")
    session.commit()
    kim = bearer(client, "kim")
    assert client.get("/api/v1/audit/records", headers=kim).status_code == 403
    denied = session.scalars(select(AuditRecord).where(AuditRecord.outcome == "denied")).all()
    assert any(d.actor_name == "kim" and d.action == "audit.read" for d in denied)
    auditor = bearer(client, "audrey")
    page = client.get("/api/v1/audit/records?limit=5", headers=auditor)
    assert page.status_code == 200 and len(page.json()["items"]) == 5
    verify = client.post("/api/v1/audit/verify", headers=auditor).json()
    assert verify["ok"] is True and verify["checked"] > 0


def _walk(routes):  # type: ignore[no-untyped-def]
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes)
        else:
            yield route


def test_every_route_declares_a_policy(app) -> None:  # type: ignore[no-untyped-def]
    undeclared = []
    for route in _walk(app.routes):
        if not isinstance(route, APIRoute) or route.path == "/api/v1/openapi.json":
            continue
        deps = [d.call for d in route.dependant.dependencies]
        if not any(hasattr(c, "__kaifang_policy__") for c in deps):
            undeclared.append(route.path)
    assert undeclared == []


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_openapi_and_docs_served_offline(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert "cdn." not in r.text and "unpkg" not in r.text
