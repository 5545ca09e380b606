"""The API keys page: issue with the secret shown once, use it, rotate, revoke, isolation."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.access.models import ApiKey
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, post_form, sign_in

SECRET = re.compile(r'<dt>(?:Secret|密钥)</dt><dd><code class="token-value">([^<]+)</code>')


def _issue(client: TestClient, **form: object) -> str:
    page = post_form(
        client, "/account/keys", {"name": "分析脚本", **form}, token_page="/account/keys"
    )
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    match = SECRET.search(page.text)
    assert match, "the new secret is shown on the creation response"
    app_key = re.search(r'<dt>AppKey</dt><dd><code class="token-value">([^<]+)</code>', page.text)
    assert app_key
    return f"{app_key.group(1)}.{match.group(1)}"


def test_issue_use_rotate_and_revoke_a_key(
    client: TestClient, session: Session, cast: Cast
) -> None:
    sign_in(client, cast.user)
    secret = _issue(client, scopes=["data:read", "catalog:read"], expires_days=90)
    key = session.query(ApiKey).filter_by(name="分析脚本").one()
    assert key.scopes == ["catalog:read", "data:read"]
    listing = get(client, "/account/keys").text
    assert key.app_key in listing and secret.split(".", 1)[1] not in listing
    client.cookies.clear()
    whoami = client.get("/api/v1/access/whoami", headers={"authorization": f"Bearer {secret}"})
    assert whoami.status_code == 200

    sign_in(client, cast.user)
    rotated = post_form(client, f"/account/keys/{key.id}/rotate", {}, token_page="/account/keys")
    assert rotated.status_code == 200 and SECRET.search(rotated.text)
    client.cookies.clear()
    old = client.get("/api/v1/access/whoami", headers={"authorization": f"Bearer {secret}"})
    assert old.status_code == 401

    sign_in(client, cast.user)
    newest = session.query(ApiKey).filter_by(rotated_from_id=key.id).one()
    revoked = post_form(client, f"/account/keys/{newest.id}/revoke", {}, token_page="/account/keys")
    assert revoked.status_code == 303
    session.expire_all()
    assert session.get(ApiKey, newest.id).revoked_at is not None


def test_unknown_scope_is_refused_and_nothing_is_issued(
    client: TestClient, session: Session, cast: Cast
) -> None:
    sign_in(client, cast.user)
    page = post_form(client, "/account/keys", {"scopes": ["admin:all"]}, token_page="/account/keys")
    assert page.status_code == 422
    assert session.query(ApiKey).count() == 0


def test_keys_are_private_to_their_owner(client: TestClient, session: Session, cast: Cast) -> None:
    sign_in(client, cast.user)
    _issue(client)
    key = session.query(ApiKey).filter_by(name="分析脚本").one()
    sign_in(client, cast.other_officer)
    assert key.app_key not in get(client, "/account/keys").text
    stolen = post_form(client, f"/account/keys/{key.id}/revoke", {}, token_page="/account/keys")
    assert stolen.status_code == 404
    client.cookies.clear()
    assert get(client, "/account/keys").status_code in (303, 401)


def test_officer_may_issue_an_organization_key(
    client: TestClient, session: Session, cast: Cast
) -> None:
    sign_in(client, cast.officer)
    assert "for_organization" in get(client, "/account/keys").text
    _issue(client, for_organization="true")
    key = session.query(ApiKey).filter_by(name="分析脚本").one()
    assert key.organization_id == cast.org.id
