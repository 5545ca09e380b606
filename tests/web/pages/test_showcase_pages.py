"""Showcase pages: submit, review, featured on the home page, listed on the dataset page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.showcase.models import ShowcaseApp
from tests import factories
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, post_form, sign_in

HOSTILE = "<img src=x onerror=alert(1)>"


def test_app_goes_from_submission_to_the_home_page(
    client: TestClient, session: Session, cast: Cast
) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    anonymous = get(client, "/apps/new")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    sign_in(client, cast.user)
    form = {
        "name": "公交到站" + HOSTILE,
        "description": "基于公交站点数据的到站查询小程序。",
        "url": "https://example.com/bus",
        "datasets": f"{dataset.id}",
    }
    sent = post_form(client, "/apps/new", form, token_page="/apps/new")
    assert sent.status_code == 303
    app_id = int(re.search(r"/apps/(\d+)", sent.headers["location"]).group(1))  # type: ignore[union-attr]
    assert "公交到站" not in get(client, "/").text

    sign_in(client, cast.admin)
    queue = get(client, "/workbench/apps").text
    assert f"/workbench/apps/{app_id}/review" in queue and "<img src=x" not in queue
    reviewed = post_form(
        client,
        f"/workbench/apps/{app_id}/review",
        {"decision": "approve", "featured": "1", "comment": ""},
        token_page="/workbench/apps",
    )
    assert reviewed.status_code == 303
    client.cookies.clear()
    home = get(client, "/").text
    assert f'href="/apps/{app_id}"' in home and "&lt;img src=x" in home
    assert f'href="/apps/{app_id}"' in get(client, f"/datasets/{dataset.id}").text
    assert 'href="https://example.com/bus"' in get(client, f"/apps/{app_id}").text


def test_bad_address_is_a_field_error(client: TestClient, session: Session, cast: Cast) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    sign_in(client, cast.user)
    form = {
        "name": "应用",
        "description": "一段足够长的应用介绍文字。",
        "url": "javascript:alert(1)",
        "datasets": str(dataset.id),
    }
    response = post_form(client, "/apps/new", form, token_page="/apps/new")
    assert response.status_code == 422 and 'id="url-error"' in response.text
    assert session.query(ShowcaseApp).count() == 0


def test_review_queue_is_for_admins(client: TestClient, cast: Cast) -> None:
    sign_in(client, cast.officer)
    assert get(client, "/workbench/apps").status_code == 403
