"""Feedback pages: the form from a dataset, anonymous and signed-in submission, the officer's
answer, public answers on the dataset page, my feedback, the queue, escaping and limits."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.feedback.models import WorkOrder, WorkOrderEvent
from tests import factories
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, post_form, sign_in

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _form(dataset_id: int, **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "kind": "consultation",
        "title": "更新频率咨询",
        "body": "这个数据集多久更新一次？是否包含历史数据？",
        "contact": "",
        "public": "1",
        "dataset_id": dataset_id,
    }
    return {**base, **overrides}


def test_dataset_page_links_to_a_form_that_names_the_dataset(
    client: TestClient, session: Session, cast: Cast
) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    page = get(client, f"/datasets/{dataset.id}").text
    assert f"/feedback/new?dataset={dataset.id}&amp;kind=error_report" in page
    form = get(client, f"/feedback/new?dataset={dataset.id}&kind=error_report")
    assert form.status_code == 200 and dataset.title in form.text
    assert 'value="error_report" checked' in form.text
    assert 'value="complaint"' not in form.text  # complaints need an account


def test_anonymous_submission_is_routed_and_thanked(
    client: TestClient, session: Session, cast: Cast
) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    response = post_form(client, "/feedback/new", _form(dataset.id), token_page="/feedback/new")
    assert response.status_code == 303 and response.headers["location"].startswith(
        "/feedback/sent?ref="
    )
    ref = int(response.headers["location"].rsplit("=", 1)[1])
    order = session.get(WorkOrder, ref)
    assert order is not None and order.status == "assigned"
    assert order.organization_id == cast.org.id and order.submitter_id is None
    assert f"#{ref}" not in get(client, f"/feedback/{ref}").text  # not readable anonymously


def test_invalid_form_shows_translated_field_errors(client: TestClient, cast: Cast) -> None:
    response = post_form(
        client, "/feedback/new", _form(0, title="短", body="太短"), token_page="/feedback/new"
    )
    assert response.status_code == 422
    assert 'id="title-error"' in response.text and "请输入 4 至 200 个字符的标题" in response.text
    assert 'id="body-error"' in response.text and 'aria-invalid="true"' in response.text


def test_officer_answers_and_the_answer_is_public_on_the_dataset_page(
    client: TestClient, session: Session, cast: Cast
) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    sign_in(client, cast.user)
    sent = post_form(client, "/feedback/new", _form(dataset.id, title=HOSTILE))
    assert sent.status_code == 303
    order_id = int(re.search(r"/feedback/(\d+)", sent.headers["location"]).group(1))  # type: ignore[union-attr]
    mine = get(client, "/account").text
    assert f"/feedback/{order_id}" in mine and "<script>alert(1)" not in mine

    sign_in(client, cast.other_officer)
    assert get(client, f"/feedback/{order_id}").status_code == 404
    sign_in(client, cast.officer)
    queue = get(client, "/workbench/feedback").text
    assert f"/feedback/{order_id}" in queue and "&lt;script&gt;" in queue
    page = get(client, f"/feedback/{order_id}").text
    assert f'action="/feedback/{order_id}/answer"' in page
    answered = post_form(
        client,
        f"/feedback/{order_id}/answer",
        {"answer": "每月更新，包含 2020 年以来的历史数据。"},
        token_page=f"/feedback/{order_id}",
    )
    assert answered.status_code == 303

    client.cookies.clear()
    public = get(client, f"/datasets/{dataset.id}").text
    assert "每月更新，包含 2020 年以来的历史数据。" in public
    assert "<script>alert(1)</script>" not in public and "&lt;script&gt;" in public


def test_submitter_reopens_and_closes(client: TestClient, session: Session, cast: Cast) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    sign_in(client, cast.user)
    sent = post_form(client, "/feedback/new", _form(dataset.id, kind="complaint", public=""))
    order_id = int(sent.headers["location"].split("/")[2].split("?")[0])
    order = session.get(WorkOrder, order_id)
    assert order is not None and order.public is False
    sign_in(client, cast.officer)
    post_form(
        client,
        f"/feedback/{order_id}/answer",
        {"answer": "已转相关处室处理。"},
        token_page=f"/feedback/{order_id}",
    )
    sign_in(client, cast.user)
    page = get(client, f"/feedback/{order_id}").text
    assert f'action="/feedback/{order_id}/reopen"' in page
    reopened = post_form(
        client,
        f"/feedback/{order_id}/reopen",
        {"comment": "没有具体结果"},
        token_page=f"/feedback/{order_id}",
    )
    assert reopened.status_code == 303
    session.refresh(order)
    assert order.status == "assigned" and order.reopen_count == 1
    closed = post_form(
        client, f"/feedback/{order_id}/close", {}, token_page=f"/feedback/{order_id}"
    )
    assert closed.status_code == 303
    session.refresh(order)
    assert order.status == "closed"
    assert get(client, f"/datasets/{dataset.id}").text.count("没有具体结果") == 0


def test_anonymous_submissions_are_rate_limited(
    client: TestClient, session: Session, cast: Cast
) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    statuses = [
        post_form(
            client,
            "/feedback/new",
            _form(dataset.id, body=f"第 {n} 个不同的问题：请说明字段含义。"),
            token_page="/feedback/new",
        ).status_code
        for n in range(6)
    ]
    assert statuses[:5] == [303] * 5 and statuses[5] == 429


def test_queue_is_for_staff_only(client: TestClient, cast: Cast) -> None:
    sign_in(client, cast.user)
    assert get(client, "/workbench/feedback").status_code == 403
    sign_in(client, cast.reviewer)
    assert get(client, "/workbench/feedback?status=assigned").status_code == 200


def test_work_order_timeline_and_answer_show_china_time(
    client: TestClient, session: Session, cast: Cast
) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    sign_in(client, cast.user)
    sent = post_form(client, "/feedback/new", _form(dataset.id))
    order_id = int(sent.headers["location"].split("/")[2].split("?")[0])
    late_evening = dt.datetime(2021, 5, 19, 16, 30, tzinfo=dt.UTC)
    for event in session.scalars(
        select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order_id)
    ):
        event.created_at = late_evening
    session.commit()
    page = get(client, f"/feedback/{order_id}").text
    assert "2021-05-20 00:30" in page and "2021-05-19 16:30" not in page
