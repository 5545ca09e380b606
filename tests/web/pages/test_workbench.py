"""The workbench: access by role, the dataset form, submission, review, publication, admin."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.catalog import workflow
from kaifang.catalog.models import Dataset
from tests import factories
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, post_form, sign_in


def _dataset_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "title": "台州市公交站点信息",
        "summary": "全市公交站点的名称、位置与所属线路，每月更新。",
        "domains": ["jiao-tong-chu-xing"],
        "keywords": "公交、站点",
        "update_frequency": "monthly",
        "open_attribute": "unconditional",
        "base_class": "",
        "licence": "open-agreement",
        "temporal_start": "2024-01-01",
        "temporal_end": "",
        "spatial_coverage": "台州市全域",
        "contact_name": "王工",
        "contact_phone": "0576-88888888",
        "contact_email": "",
        "source_system": "公交调度系统",
        "item_label": ["站点名称", "驾驶员手机号", ""],
        "item_name": ["stop_name", "driver_mobile", ""],
        "item_data_type": ["text", "text", "text"],
        "item_open_attribute": ["unconditional", "conditional", "unconditional"],
        "item_grade": ["L1", "L3", "L1"],
        "item_masking_rule": ["", "mask:keep=3,4", ""],
        "item_description": ["", "", ""],
        "item_pii_kind": ["", "mobile", ""],
        "item_length": ["", "", ""],
        "item_precision": ["", "", ""],
    }
    return {**form, **overrides}


def _created_id(response: object) -> int:
    location = response.headers["location"]  # type: ignore[attr-defined]
    match = re.match(r"/workbench/datasets/(\d+)\?created=1", location)
    assert match, location
    return int(match.group(1))


@pytest.mark.parametrize(
    "path", ["/workbench", "/workbench/datasets/new", "/workbench/review", "/workbench/admin"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient, path: str) -> None:
    response = get(client, path)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_pages_open_by_role(client: TestClient, cast: Cast) -> None:
    expected = {
        cast.user: {
            "/workbench": 403,
            "/workbench/review": 403,
            "/workbench/admin": 403,
            "/workbench/datasets/new": 403,
        },
        cast.officer: {
            "/workbench": 200,
            "/workbench/review": 403,
            "/workbench/admin": 403,
            "/workbench/datasets/new": 200,
        },
        cast.reviewer: {
            "/workbench": 200,
            "/workbench/review": 200,
            "/workbench/admin": 403,
            "/workbench/datasets/new": 403,
        },
        cast.admin: {
            "/workbench": 200,
            "/workbench/review": 200,
            "/workbench/admin": 200,
            "/workbench/datasets/new": 200,
            "/workbench/admin/demo-reset": 200,
        },
    }
    for username, pages in expected.items():
        sign_in(client, username)
        for path, status in pages.items():
            assert get(client, path).status_code == status, (username, path)


def test_officer_registers_submits_and_reviewer_publishes(
    client: TestClient, session: Session, cast: Cast
) -> None:
    sign_in(client, cast.officer)
    form_page = get(client, "/workbench/datasets/new?lang=en").text
    assert "data-completeness" in form_page and 'name="item_label"' in form_page
    created = post_form(
        client, "/workbench/datasets/new", _dataset_form(), token_page="/workbench/datasets/new"
    )
    assert created.status_code == 303, created.text
    dataset_id = _created_id(created)
    page = get(client, f"/workbench/datasets/{dataset_id}?created=1&lang=en").text
    assert "台州市公交站点信息" in page and "Submit for review" in page
    submitted = post_form(
        client,
        f"/workbench/datasets/{dataset_id}/submit",
        {"comment": "请审核"},
        token_page="/workbench",
    )
    assert submitted.status_code == 303
    assert get(client, f"/datasets/{dataset_id}").status_code == 200
    client.cookies.clear()
    assert get(client, f"/datasets/{dataset_id}").status_code == 404

    sign_in(client, cast.reviewer)
    queue = get(client, "/workbench/review?lang=en").text
    assert f'id="dataset-{dataset_id}"' in queue and "driver_mobile" in queue and "请审核" in queue
    for step in ("approve", "publish"):
        done = post_form(
            client,
            f"/workbench/review/{dataset_id}/{step}",
            {"comment": "同意"},
            token_page="/workbench/review",
        )
        assert (
            done.status_code == 303 and done.headers["location"] == f"/workbench/review?done={step}"
        )
    client.cookies.clear()
    public = get(client, f"/datasets/{dataset_id}?lang=en")
    assert public.status_code == 200 and "On time" in public.text


def test_form_errors_are_shown_next_to_fields(
    client: TestClient, session: Session, cast: Cast
) -> None:
    sign_in(client, cast.officer)
    bad_item = _dataset_form(item_grade=["L4", "L3", "L1"])
    response = post_form(
        client, "/workbench/datasets/new", bad_item, token_page="/workbench/datasets/new"
    )
    assert response.status_code == 422 and 'id="items-error"' in response.text
    assert "站点名称" in response.text  # the officer's rows are kept
    short = post_form(
        client,
        "/workbench/datasets/new",
        _dataset_form(title="x"),
        token_page="/workbench/datasets/new",
    )
    assert short.status_code == 422 and 'id="title-error"' in short.text
    count = session.scalar(select(Dataset.id).where(Dataset.organization_id == cast.org.id))
    assert count is None


def test_incomplete_draft_cannot_be_submitted(client: TestClient, cast: Cast) -> None:
    sign_in(client, cast.officer)
    form = _dataset_form(
        summary="太短",
        domains=[],
        item_label=[""],
        item_name=[""],
        item_data_type=["text"],
        item_open_attribute=["unconditional"],
        item_grade=["L1"],
        item_masking_rule=[""],
        item_description=[""],
        item_pii_kind=[""],
        item_length=[""],
        item_precision=[""],
    )
    dataset_id = _created_id(
        post_form(client, "/workbench/datasets/new", form, token_page="/workbench/datasets/new")
    )
    refused = post_form(
        client, f"/workbench/datasets/{dataset_id}/submit", {}, token_page="/workbench"
    )
    assert refused.status_code == 422 and "summary" in refused.text


def test_reject_needs_a_reason(client: TestClient, session: Session, cast: Cast) -> None:
    officer = factories.actor(session, role="officer", org=cast.org)
    ds = factories.dataset(session, actor=officer)
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    session.commit()
    sign_in(client, cast.reviewer)
    empty = post_form(
        client, f"/workbench/review/{ds.id}/reject", {"reason": ""}, token_page="/workbench/review"
    )
    assert empty.status_code == 422
    returned = post_form(
        client,
        f"/workbench/review/{ds.id}/reject",
        {"reason": "请补充数据项说明"},
        token_page="/workbench/review",
    )
    assert returned.status_code == 303
    sign_in(client, cast.officer)
    page = get(client, f"/workbench/datasets/{ds.id}?lang=en").text
    assert "请补充数据项说明" in page and "Returned by the reviewer" in page


def test_published_edit_becomes_a_reviewed_revision(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds = factories.published_dataset(session, org=cast.org, title="原来的标题")
    session.commit()
    sign_in(client, cast.officer)
    edit = get(client, f"/workbench/datasets/{ds.id}/edit?lang=en")
    assert edit.status_code == 200 and "kept as a revision" in edit.text
    form = _dataset_form(
        title="修订后的标题",
        item_label=[i.label for i in ds.items],
        item_name=[i.name for i in ds.items],
        item_data_type=[i.data_type for i in ds.items],
        item_open_attribute=[i.open_attribute for i in ds.items],
        item_grade=[i.grade for i in ds.items],
        item_masking_rule=["" for _ in ds.items],
        item_description=["" for _ in ds.items],
        item_pii_kind=[i.pii_kind or "" for i in ds.items],
        item_length=["" for _ in ds.items],
        item_precision=["" for _ in ds.items],
    )
    saved = post_form(client, f"/workbench/datasets/{ds.id}/edit", form, token_page="/workbench")
    assert saved.status_code == 303 and "revision=1" in saved.headers["location"]
    assert "原来的标题" in get(client, f"/datasets/{ds.id}").text
    post_form(client, f"/workbench/datasets/{ds.id}/submit", {}, token_page="/workbench")
    sign_in(client, cast.reviewer)
    queue = get(client, "/workbench/review").text
    assert "修订后的标题" in queue and "原来的标题" in queue and "diff-new" in queue
    approved = post_form(
        client, f"/workbench/review/{ds.id}/approve", {}, token_page="/workbench/review"
    )
    assert approved.status_code == 303
    assert "修订后的标题" in get(client, f"/datasets/{ds.id}").text


def test_other_organizations_datasets_stay_hidden(
    client: TestClient, session: Session, cast: Cast
) -> None:
    other = factories.actor(session, role="officer", org=cast.other_org)
    ds = factories.dataset(session, actor=other)
    session.commit()
    sign_in(client, cast.officer)
    for path in (
        f"/workbench/datasets/{ds.id}",
        f"/workbench/datasets/{ds.id}/edit",
        f"/workbench/datasets/{ds.id}/upload",
    ):
        assert get(client, path).status_code == 404, path


def test_upload_page_posts_to_the_page_and_the_script_to_the_api(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds = factories.published_dataset(session, org=cast.org)
    session.commit()
    sign_in(client, cast.officer)
    html = get(client, f"/workbench/datasets/{ds.id}/upload").text
    assert f'action="/workbench/datasets/{ds.id}/upload"' in html
    assert f'data-api-url="/api/v1/datasets/{ds.id}/resources"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="file"' in html
    assert "/static/js/upload.js" in html


def test_admin_creates_users_and_sees_reset_instructions(
    client: TestClient, session: Session, cast: Cast
) -> None:
    sign_in(client, cast.admin)
    page = get(client, "/workbench/admin?lang=en").text
    assert cast.org.name in page and "update_frequency" in page and cast.reviewer in page
    created = post_form(
        client,
        "/workbench/admin/users",
        {
            "username": "new-officer",
            "password": "long-enough-pw",
            "role": "officer",
            "organization_id": str(cast.org.id),
        },
        token_page="/workbench/admin",
    )
    assert created.status_code == 303
    assert auth_service.find_user(session, "new-officer") is not None
    missing_org = post_form(
        client,
        "/workbench/admin/users",
        {"username": "lost-officer", "password": "long-enough-pw", "role": "officer"},
        token_page="/workbench/admin",
    )
    assert missing_org.status_code == 422 and 'id="organization_id-error"' in missing_org.text
    reset = post_form(client, "/workbench/admin/demo-reset", {}, token_page="/workbench/admin")
    assert reset.status_code == 200 and "kaifang demo load" in reset.text


def test_admin_chooses_who_decides_an_organizations_applications(
    client: TestClient, session: Session, cast: Cast
) -> None:
    url = f"/workbench/admin/organizations/{cast.org.id}/review-chain"

    def choose(value: str, token_page: str = "/workbench/admin") -> Any:
        return post_form(client, url, {"review_chain": value}, token_page=token_page)

    def stored() -> str | None:
        session.expire_all()
        return session.get(type(cast.org), cast.org.id).review_chain

    sign_in(client, cast.admin)
    page = get(client, "/workbench/admin").text
    assert f'action="{url}"' in page and "平台设置（部门审核后由数据局决定）" in page
    saved = choose("provider")
    assert saved.status_code == 303 and saved.headers["location"].endswith("chain=saved")
    assert stored() == "provider"
    shown = get(client, saved.headers["location"]).text
    assert "审核流程已保存。" in shown and '<option value="provider" selected>' in shown
    bad = choose("bureau")
    assert bad.status_code == 422 and "provider,bureau" in bad.text
    assert choose("").status_code == 303 and stored() is None
    sign_in(client, cast.officer)
    assert choose("provider", token_page="/workbench").status_code == 403
    assert stored() is None


def test_review_chain_api(client: TestClient, session: Session, cast: Cast) -> None:
    from tests.web.helpers import bearer

    url = f"/api/v1/organizations/{cast.org.id}/review-chain"
    admin = bearer(client, cast.admin)
    done = client.put(url, json={"review_chain": "provider"}, headers=admin)
    assert done.status_code == 200 and done.json()["review_chain"] == "provider"
    assert client.get(f"/api/v1/organizations/{cast.org.id}").json()["review_chain"] == "provider"
    assert client.put(url, json={"review_chain": "bureau"}, headers=admin).status_code == 422
    cleared = client.put(url, json={"review_chain": None}, headers=admin)
    assert cleared.status_code == 200 and cleared.json()["review_chain"] is None
    officer = bearer(client, cast.officer)
    assert client.put(url, json={"review_chain": "provider"}, headers=officer).status_code == 403
    assert client.put(url, json={"review_chain": "provider"}).status_code == 401
