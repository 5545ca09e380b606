"""Feedback work orders: submit, route to the provider, answer within a deadline, close, reopen.

Flow: ``submitted`` → ``assigned`` (to the provider organization; automatic when the feedback
names a dataset or an organization) → ``answered`` → ``closed``. The submitter may reopen an
answered or closed order (back to ``assigned`` with a new deadline) a few times. Deadlines are
counted in working days on the official calendar by the access domain's calculator.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access import service as access_service
from kaifang.audit import service as audit_service
from kaifang.auth.actor import SYSTEM, Actor
from kaifang.auth.policy import Target, can
from kaifang.auth.service import authorize, get_organization
from kaifang.catalog import service as catalog_service
from kaifang.config import Settings
from kaifang.db import raise_event, utcnow
from kaifang.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from kaifang.events import Notification
from kaifang.feedback.models import WorkOrder, WorkOrderEvent
from kaifang.feedback.schemas import FeedbackIn

MAX_LINKS = 3
MAX_REOPENS = 3
_LINK = re.compile(r"https?://|www\.", re.I)
OPEN_STATES = ("submitted", "assigned", "answered")


# --- submission ---------------------------------------------------------------------------------


def check_submission_rate(
    limiter: access_service.RateLimiter, *, actor: Actor, client_ip: str, settings: Settings
) -> None:
    """Charge one submission to the user's (or the anonymous address's) hourly budget."""
    if actor.is_authenticated:
        key, capacity = f"feedback:user:{actor.user_id}", settings.feedback_per_hour_user
    else:
        key, capacity = f"feedback:ip:{client_ip}", settings.feedback_per_hour_anonymous
    state = limiter.hit(key, capacity=capacity, per_seconds=3600.0)
    if not state.allowed:
        raise RateLimited(
            "提交过于频繁，请稍后再试 (too many submissions, try again later)",
            retry_after=state.retry_after,
            details=state.headers(),
        )


def _refuse_spam(session: Session, actor: Actor, data: FeedbackIn) -> None:
    if len(_LINK.findall(data.body)) > MAX_LINKS:
        raise InvalidInput(
            f"正文最多包含 {MAX_LINKS} 个链接 (at most {MAX_LINKS} links)",
            details={"field": "body"},
        )
    since = utcnow() - dt.timedelta(days=1)
    same = select(WorkOrder.id).where(
        WorkOrder.body == data.body,
        WorkOrder.status.in_(OPEN_STATES),
        WorkOrder.created_at >= since,
        WorkOrder.submitter_id == actor.user_id
        if actor.user_id is not None
        else WorkOrder.submitter_id.is_(None),
    )
    if session.scalars(same.limit(1)).first() is not None:
        raise Conflict(
            "相同内容已提交，请勿重复提交 (the same feedback was already sent)",
            details={"field": "body"},
        )


def _provider(session: Session, actor: Actor, data: FeedbackIn) -> tuple[int | None, str | None]:
    """The provider organization and region the feedback is routed to, if known yet."""
    if data.dataset_id is not None:
        dataset = catalog_service.get_dataset(session, actor=actor, dataset_id=data.dataset_id)
        return dataset.organization_id, dataset.region_code
    if data.organization_id is not None:
        org = get_organization(session, data.organization_id)
        return org.id, org.region_code
    return None, None


def submit_feedback(
    session: Session,
    *,
    actor: Actor,
    data: FeedbackIn,
    settings: Settings,
    limiter: access_service.RateLimiter | None = None,
    client_ip: str = "",
) -> WorkOrder:
    """Record feedback and route it; RateLimited, InvalidInput, Conflict or NotFound on refusal."""
    authorize(actor, "feedback.submit")
    if data.kind == "complaint" and not actor.is_authenticated:
        raise PermissionDenied(
            "投诉需要登录后提交 (sign in to file a complaint)",
            details={"action": "feedback.submit"},
        )
    if data.kind == "error_report" and data.dataset_id is None:
        raise InvalidInput("纠错需要指明数据集 (name the dataset)", details={"field": "dataset_id"})
    _refuse_spam(session, actor, data)
    if limiter is not None:
        check_submission_rate(limiter, actor=actor, client_ip=client_ip, settings=settings)
    organization_id, region_code = _provider(session, actor, data)
    order = WorkOrder(
        **data.model_dump(exclude={"organization_id", "public"}),
        public=data.public and data.kind != "complaint",
        submitter_id=actor.user_id,
        region_code=region_code,
    )
    session.add(order)
    session.flush()
    _step(session, order, "submit", actor)
    if organization_id is not None:
        _assign(session, order, organization_id, region_code, SYSTEM, settings)
    return order


# --- steps ----------------------------------------------------------------------------------


def _step(session: Session, order: WorkOrder, action: str, actor: Actor, comment: str = "") -> None:
    """Append a timeline step and its audit record in the caller's transaction."""
    session.add(
        WorkOrderEvent(
            work_order_id=order.id,
            action=action,
            actor_id=actor.user_id,
            actor_role=actor.role,
            comment=comment,
        )
    )
    audit_service.record(
        session,
        action=f"feedback.{action}",
        actor=actor,
        object_type="work_order",
        object_id=order.id,
        details={"kind": order.kind, "status": order.status},
    )


def _assign(
    session: Session,
    order: WorkOrder,
    organization_id: int,
    region_code: str | None,
    actor: Actor,
    settings: Settings,
) -> None:
    order.organization_id, order.region_code = organization_id, region_code
    order.status, order.assigned_at = "assigned", utcnow()
    order.due_date = access_service.add_working_days(
        access_service.china_today(), settings.feedback_answer_working_days
    )
    _step(session, order, "assign", actor, comment=f"organization {organization_id}")
    for officer in access_service.provider_officers(session, organization_id):
        _notify(session, officer.id, f"新工单 #{order.id}：{order.title}", order)


def _notify(session: Session, user_id: int, subject: str, order: WorkOrder) -> None:
    raise_event(
        session,
        Notification(user_id=user_id, subject=subject, link=f"/feedback/{order.id}"),
    )


def _load(session: Session, work_order_id: int) -> WorkOrder:
    order = session.get(WorkOrder, work_order_id)
    if order is None:
        raise NotFound("工单不存在 (work order not found)")
    return order


def _require_status(order: WorkOrder, *allowed: str) -> None:
    if order.status not in allowed:
        raise Conflict(
            f"工单当前状态为 {order.status}，不能执行此操作 (not allowed in this state)",
            details={"status": order.status},
        )


def assign_work_order(
    session: Session, *, actor: Actor, work_order_id: int, organization_id: int, settings: Settings
) -> WorkOrder:
    """Route an unassigned order (or re-route an assigned one) to a provider organization."""
    order = get_work_order(session, actor=actor, work_order_id=work_order_id)
    org = get_organization(session, organization_id)
    authorize(actor, "feedback.assign", Target(region_code=org.region_code))
    authorize(actor, "feedback.assign", order)
    _require_status(order, "submitted", "assigned")
    _assign(session, order, org.id, org.region_code, actor, settings)
    return order


def answer_work_order(
    session: Session, *, actor: Actor, work_order_id: int, answer: str
) -> WorkOrder:
    """The provider's answer; notifies the submitter. Conflict unless the order is assigned."""
    order = get_work_order(session, actor=actor, work_order_id=work_order_id)
    authorize(actor, "feedback.answer", order)
    _require_status(order, "assigned")
    order.answer, order.answered_by = answer, actor.user_id
    order.status, order.answered_at = "answered", utcnow()
    _step(session, order, "answer", actor, comment=answer[:200])
    if order.submitter_id is not None:
        _notify(session, order.submitter_id, f"工单 #{order.id} 已答复", order)
    return order


def close_work_order(
    session: Session, *, actor: Actor, work_order_id: int, comment: str = ""
) -> WorkOrder:
    """Close an order: the submitter at any open step, the provider or bureau once answered."""
    order = get_work_order(session, actor=actor, work_order_id=work_order_id)
    authorize(actor, "feedback.close", order)
    if actor.user_id is not None and actor.user_id == order.submitter_id:
        _require_status(order, *OPEN_STATES)
    else:
        _require_status(order, "answered")
    order.status, order.closed_at = "closed", utcnow()
    _step(session, order, "close", actor, comment=comment)
    return order


def reopen_work_order(
    session: Session, *, actor: Actor, work_order_id: int, comment: str, settings: Settings
) -> WorkOrder:
    """The submitter disagrees with the answer: back to the provider with a new deadline."""
    order = get_work_order(session, actor=actor, work_order_id=work_order_id)
    authorize(actor, "feedback.reopen", order)
    _require_status(order, "answered", "closed")
    if order.organization_id is None:
        raise Conflict("工单尚未分派 (not yet assigned)")
    if order.reopen_count >= MAX_REOPENS:
        raise Conflict(
            f"同一工单最多重新打开 {MAX_REOPENS} 次 (reopened too often)",
            details={"reopen_count": order.reopen_count},
        )
    order.reopen_count += 1
    order.closed_at = None
    _step(session, order, "reopen", actor, comment=comment)
    _assign(session, order, order.organization_id, order.region_code, SYSTEM, settings)
    return order


# --- reading ------------------------------------------------------------------------------------


def get_work_order(session: Session, *, actor: Actor, work_order_id: int) -> WorkOrder:
    """The order for its submitter and the staff who may handle it; NotFound for anyone else."""
    order = _load(session, work_order_id)
    if not can(actor, "feedback.read", order):
        raise NotFound("工单不存在 (work order not found)")
    return order


def is_overdue(order: WorkOrder, today: dt.date | None = None) -> bool:
    """True when an assigned order is past its answer deadline."""
    today = today or access_service.china_today()
    return order.status == "assigned" and order.due_date is not None and today > order.due_date
