"""Feedback work orders: routing, deadlines, answers, reopening, visibility, spam limits."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access import service as access_service
from kaifang.access.quotas import MemoryRateLimiter
from kaifang.audit.models import AuditRecord
from kaifang.auth import service as auth_service
from kaifang.auth.actor import ANONYMOUS
from kaifang.config import Settings
from kaifang.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from kaifang.feedback import queries
from kaifang.feedback import service as feedback
from kaifang.feedback.schemas import FeedbackIn
from tests import factories

SETTINGS = Settings(env="test", feedback_per_hour_anonymous=2, feedback_answer_working_days=5)


def _feedback(dataset_id: int | None, **overrides: object) -> FeedbackIn:
    base: dict[str, object] = {
        "kind": "error_report",
        "title": "站点坐标有误",
        "body": "编号 0107 的站点经纬度落在海里，请核实。",
        "dataset_id": dataset_id,
    }
    return FeedbackIn(**{**base, **overrides})  # type: ignore[arg-type]


def _people(session: Session):  # type: ignore[no-untyped-def]
    org = factories.organization(session, region_code="331002")
    dataset = factories.published_dataset(session, org=org)
    officer = auth_service.actor_for(factories.user(session, role="officer", org=org))
    citizen = factories.actor(session)
    return org, dataset, officer, citizen


def test_feedback_on_a_dataset_goes_to_its_provider_with_a_working_day_deadline(
    session: Session,
) -> None:
    org, dataset, officer, citizen = _people(session)
    order = feedback.submit_feedback(
        session, actor=citizen, data=_feedback(dataset.id), settings=SETTINGS
    )
    assert order.status == "assigned" and order.organization_id == org.id
    expected = access_service.add_working_days(access_service.china_today(), 5)
    assert order.due_date == expected
    assert [o.id for o in queries.work_order_queue(session, actor=officer)] == [order.id]
    actions = session.scalars(
        select(AuditRecord.action).where(AuditRecord.object_id == str(order.id))
    ).all()
    assert "feedback.submit" in actions and "feedback.assign" in actions


def test_answer_close_and_reopen_flow(session: Session) -> None:
    _org, dataset, officer, citizen = _people(session)
    order = feedback.submit_feedback(
        session, actor=citizen, data=_feedback(dataset.id), settings=SETTINGS
    )
    with pytest.raises(PermissionDenied):
        feedback.answer_work_order(session, actor=citizen, work_order_id=order.id, answer="好的")
    feedback.answer_work_order(
        session, actor=officer, work_order_id=order.id, answer="已核实并更正。"
    )
    assert order.status == "answered" and order.answered_by == officer.user_id
    with pytest.raises(Conflict):
        feedback.answer_work_order(session, actor=officer, work_order_id=order.id, answer="再答")
    feedback.close_work_order(session, actor=citizen, work_order_id=order.id)
    assert order.status == "closed"
    feedback.reopen_work_order(
        session, actor=citizen, work_order_id=order.id, comment="仍有错误", settings=SETTINGS
    )
    assert order.status == "assigned" and order.reopen_count == 1 and order.closed_at is None
    assert [e.action for e in order.events] == [
        "submit",
        "assign",
        "answer",
        "close",
        "reopen",
        "assign",
    ]


def test_only_the_submitter_reopens_and_only_a_few_times(session: Session) -> None:
    _org, dataset, officer, citizen = _people(session)
    order = feedback.submit_feedback(
        session, actor=citizen, data=_feedback(dataset.id), settings=SETTINGS
    )
    for n in range(feedback.MAX_REOPENS + 1):
        feedback.answer_work_order(session, actor=officer, work_order_id=order.id, answer="答复")
        if n == feedback.MAX_REOPENS:
            with pytest.raises(Conflict):
                feedback.reopen_work_order(
                    session, actor=citizen, work_order_id=order.id, comment="", settings=SETTINGS
                )
            break
        with pytest.raises(PermissionDenied):
            feedback.reopen_work_order(
                session, actor=officer, work_order_id=order.id, comment="", settings=SETTINGS
            )
        feedback.reopen_work_order(
            session, actor=citizen, work_order_id=order.id, comment="", settings=SETTINGS
        )


def test_others_cannot_read_and_public_answers_hide_complaints(session: Session) -> None:
    _org, dataset, officer, citizen = _people(session)
    stranger = factories.actor(session)
    other_officer = factories.actor(session, role="officer")
    question = feedback.submit_feedback(
        session,
        actor=citizen,
        data=_feedback(dataset.id, kind="consultation", body="这个数据多久更新一次？谢谢。"),
        settings=SETTINGS,
    )
    complaint = feedback.submit_feedback(
        session,
        actor=citizen,
        data=_feedback(dataset.id, kind="complaint", body="工作人员回复态度很差，请处理。"),
        settings=SETTINGS,
    )
    for who in (stranger, other_officer, ANONYMOUS):
        with pytest.raises(NotFound):
            feedback.get_work_order(session, actor=who, work_order_id=question.id)
    for order in (question, complaint):
        feedback.answer_work_order(session, actor=officer, work_order_id=order.id, answer="已处理")
    public = queries.public_answers(session, dataset_id=dataset.id)
    assert [o.id for o in public] == [question.id]
    assert complaint.public is False


def test_anonymous_limits_complaints_links_duplicates_and_rate(session: Session) -> None:
    _org, dataset, _officer, _citizen = _people(session)
    limiter = MemoryRateLimiter()
    with pytest.raises(PermissionDenied):
        feedback.submit_feedback(
            session,
            actor=ANONYMOUS,
            data=_feedback(dataset.id, kind="complaint"),
            settings=SETTINGS,
        )
    spam = " ".join(f"https://spam{i}.example" for i in range(4))
    with pytest.raises(InvalidInput):
        feedback.submit_feedback(
            session, actor=ANONYMOUS, data=_feedback(dataset.id, body=spam), settings=SETTINGS
        )
    for n in range(2):
        feedback.submit_feedback(
            session,
            actor=ANONYMOUS,
            data=_feedback(dataset.id, body=f"第 {n} 条不同的纠错内容，请核实。"),
            settings=SETTINGS,
            limiter=limiter,
            client_ip="10.0.0.9",
        )
    with pytest.raises(Conflict):
        feedback.submit_feedback(
            session,
            actor=ANONYMOUS,
            data=_feedback(dataset.id, body="第 0 条不同的纠错内容，请核实。"),
            settings=SETTINGS,
        )
    with pytest.raises(RateLimited):
        feedback.submit_feedback(
            session,
            actor=ANONYMOUS,
            data=_feedback(dataset.id, body="第三条内容：超出每小时的提交次数。"),
            settings=SETTINGS,
            limiter=limiter,
            client_ip="10.0.0.9",
        )


def test_data_request_without_provider_waits_for_the_bureau_to_route_it(
    session: Session,
) -> None:
    org, _dataset, officer, citizen = _people(session)
    regional = auth_service.actor_for(
        factories.user(session, role="reviewer", region_code="331003")
    )
    platform = auth_service.actor_for(factories.user(session, role="reviewer"))
    request = feedback.submit_feedback(
        session,
        actor=citizen,
        data=_feedback(None, kind="data_request", body="希望开放全市停车场实时泊位数据。"),
        settings=SETTINGS,
    )
    assert request.status == "submitted" and request.due_date is None
    assert request.id not in [o.id for o in queries.work_order_queue(session, actor=regional)]
    assert request.id in [o.id for o in queries.work_order_queue(session, actor=platform)]
    with pytest.raises(NotFound):
        feedback.assign_work_order(
            session,
            actor=regional,
            work_order_id=request.id,
            organization_id=org.id,
            settings=SETTINGS,
        )
    feedback.assign_work_order(
        session, actor=platform, work_order_id=request.id, organization_id=org.id, settings=SETTINGS
    )
    assert request.status == "assigned" and request.region_code == "331002"
    assert request.id in [o.id for o in queries.work_order_queue(session, actor=officer)]
    assert [o.id for o in queries.my_work_orders(session, actor=citizen)] == [request.id]


def test_overdue_is_measured_in_working_days(session: Session) -> None:
    _org, dataset, _officer, citizen = _people(session)
    order = feedback.submit_feedback(
        session, actor=citizen, data=_feedback(dataset.id), settings=SETTINGS
    )
    assert order.due_date is not None
    assert not feedback.is_overdue(order, order.due_date)
    after = access_service.add_working_days(order.due_date, 1)
    assert feedback.is_overdue(order, after)
