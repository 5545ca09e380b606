"""Registration, personal tokens on My account, and the developer center."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.codes import uscc_check_char
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, post_form, sign_in

GOOD_PASSWORD = "long-enough-pw"


def _registration(**overrides: str) -> dict[str, str]:
    form = {
        "username": "newcomer",
        "password": GOOD_PASSWORD,
        "password_confirm": GOOD_PASSWORD,
        "display_name": "",
        "account_kind": "individual",
        "company_uscc": "",
        "agree": "1",
    }
    return {**form, **overrides}


def test_register_page_renders_with_labels(client: TestClient) -> None:
    html = get(client, "/register?lang=en").text
    for field in ("username", "password", "password_confirm", "company_uscc", "agree"):
        assert f'for="{field}"' in html and f'id="{field}"' in html
    assert 'name="csrf_token"' in html


def test_register_with_bad_credit_code_shows_the_field_error(
    client: TestClient, session: Session
) -> None:
    base = "91331000MA2ABCDE1"
    wrong = "0" if uscc_check_char(base) != "0" else "1"
    form = _registration(
        account_kind="organization", display_name="台州某科技有限公司", company_uscc=base + wrong
    )
    response = post_form(client, "/register", form, token_page="/register")
    assert response.status_code == 422
    assert (
        'id="company_uscc-error"' in response.text and "统一社会信用代码校验失败" in response.text
    )
    assert 'aria-invalid="true"' in response.text and "台州某科技有限公司" in response.text
    assert auth_service.find_user(session, "newcomer") is None


def test_register_checks_confirmation_and_terms(client: TestClient) -> None:
    form = _registration(password_confirm="something-else", agree="")
    response = post_form(client, "/register", form, token_page="/register")
    assert response.status_code == 422
    assert 'id="password_confirm-error"' in response.text and 'id="agree-error"' in response.text


def test_register_signs_the_new_user_in(client: TestClient, session: Session) -> None:
    base = "91331000MA2ABCDE1"
    form = _registration(
        account_kind="organization",
        display_name="台州某科技有限公司",
        company_uscc=base + uscc_check_char(base),
    )
    response = post_form(client, "/register", form, token_page="/register")
    assert response.status_code == 303 and response.headers["location"] == "/account?welcome=1"
    account = get(client, "/account?welcome=1&lang=en")
    assert account.status_code == 200 and "newcomer" in account.text and "Welcome" in account.text
    assert get(client, "/register").status_code == 303  # signed in: sent to the account


def test_duplicate_username_is_a_field_error(client: TestClient, cast: Cast) -> None:
    response = post_form(
        client, "/register", _registration(username=cast.user), token_page="/register"
    )
    assert response.status_code == 422 and 'id="username-error"' in response.text


def test_tokens_are_created_shown_once_and_revoked(
    client: TestClient, session: Session, cast: Cast
) -> None:
    sign_in(client, cast.user)
    created = post_form(client, "/account/tokens", {"name": "分析脚本", "expires_days": "30"})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    assert "kf_" in created.text and "分析脚本" in created.text
    user = auth_service.find_user(session, cast.user)
    assert user is not None
    token = auth_service.list_tokens(session, user_id=user.id)[0]
    assert "kf_" not in get(client, "/account").text.replace(token.prefix + "…", "")
    sign_in(client, cast.officer)
    assert post_form(client, f"/account/tokens/{token.id}/revoke", {}).status_code == 403
    sign_in(client, cast.user)
    revoked = post_form(client, f"/account/tokens/{token.id}/revoke", {})
    assert revoked.status_code == 303
    session.expire_all()
    assert auth_service.list_tokens(session, user_id=user.id)[0].revoked_at is not None


def test_token_forms_need_csrf_and_sign_in(client: TestClient, cast: Cast) -> None:
    anonymous = client.post(
        "/account/tokens",
        data={"name": "x"},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert anonymous.status_code in (303, 403)
    sign_in(client, cast.user)
    no_csrf = client.post("/account/tokens", data={"name": "x"}, headers={"accept": "text/html"})
    assert no_csrf.status_code == 403


def test_developer_center_has_examples_and_quotas(client: TestClient, session: Session) -> None:
    html = get(client, "/developer?lang=en").text
    assert "/api/3/action/package_search" in html and "urllib.request" in html
    assert "Authorization: Bearer" in html and "requests per minute" in html
    assert 'href="/api/v1/docs"' in html and 'lang="en"' in html
    assert "示意" not in html
