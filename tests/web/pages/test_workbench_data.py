"""The resource report page: columns with their types, a reload form, the job's outcome."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, post_form, sign_in

CSV = "编号,名称,金额\n0012,甲,1.5\n0107,乙,2\n"


def _loaded(client: TestClient, session: Session, cast: Cast) -> tuple[int, int]:
    officer = factories.actor(session, role="officer", org=cast.org)
    dataset = factories.dataset(session, actor=officer, title="测试收费表")
    session.commit()
    sign_in(client, cast.officer)
    token = re.search(
        r'name="csrf_token" value="([0-9a-f]+)"',
        get(client, f"/workbench/datasets/{dataset.id}/upload").text,
    )
    assert token
    r = client.post(
        f"/api/v1/datasets/{dataset.id}/resources",
        files={"file": ("收费.csv", CSV.encode(), "text/csv")},
        data={"name": "收费", "csrf_token": token.group(1)},
        headers={"x-csrf-token": token.group(1)},
    )
    assert r.status_code == 202, r.text
    return dataset.id, int(r.json()["resource"]["id"])


def test_page_lists_columns_and_reloads_with_a_new_type(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds_id, rid = _loaded(client, session, cast)
    path = f"/workbench/datasets/{ds_id}/resources/{rid}/types"
    assert f'href="{path}"' in get(client, f"/workbench/datasets/{ds_id}/upload").text

    page = get(client, path)
    assert page.status_code == 200
    assert "<code>金额</code>" in page.text and 'name="t2"' in page.text
    assert "第 1 版导入报告" in page.text

    done = post_form(client, path, {"t2": "text"}, token_page=path)
    assert done.status_code == 303 and "job=" in done.headers["location"]
    result = get(client, done.headers["location"])
    assert "已重新导入，现提供第 2 版" in result.text
    assert "人工指定" in result.text  # the column now shows the officer's choice


def test_failed_reload_names_the_row_and_keeps_the_version(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds_id, rid = _loaded(client, session, cast)
    path = f"/workbench/datasets/{ds_id}/resources/{rid}/types"
    done = post_form(client, path, {"t1": "integer"}, token_page=path)
    page = get(client, done.headers["location"])
    assert "重新导入失败，仍在提供第 1 版" in page.text
    assert "第 2 行" in page.text and "名称" in page.text


def test_other_organizations_and_the_public_cannot_open_it(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds_id, rid = _loaded(client, session, cast)
    path = f"/workbench/datasets/{ds_id}/resources/{rid}/types"
    sign_in(client, cast.other_officer)
    assert get(client, path).status_code in (403, 404)
    client.cookies.clear()
    assert get(client, path).status_code in (401, 303)
