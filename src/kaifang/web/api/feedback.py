"""Feedback work orders over HTTP: submit, read, route, answer, close, reopen; public answers."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from kaifang.auth.actor import Actor
from kaifang.catalog import service as catalog_service
from kaifang.feedback import queries
from kaifang.feedback import service as feedback_service
from kaifang.feedback.models import WorkOrder
from kaifang.feedback.schemas import (
    AnswerIn,
    AssignIn,
    CommentIn,
    FeedbackIn,
    PublicAnswerOut,
    WorkOrderOut,
)
from kaifang.web.apikeys import rate_limiter
from kaifang.web.deps import get_runtime, policy, signed_in_policy
from kaifang.web.middleware import client_ip

router = APIRouter(prefix="/api/v1", tags=["feedback"])


def _out(order: WorkOrder) -> WorkOrderOut:
    out = WorkOrderOut.model_validate(order)
    out.overdue = feedback_service.is_overdue(order)
    return out


def _uow(request: Request, write: bool = True) -> Any:
    return get_runtime(request).db.unit_of_work(write=write)


@router.post("/feedback", status_code=201)
def submit_feedback(
    request: Request, body: FeedbackIn, actor: Actor = policy("feedback.submit")
) -> WorkOrderOut:
    """Send an error report, question, data request or complaint (429 beyond the hourly limit)."""
    runtime = get_runtime(request)
    with _uow(request) as session:
        order = feedback_service.submit_feedback(
            session,
            actor=actor,
            data=body,
            settings=runtime.settings,
            limiter=rate_limiter(runtime),
            client_ip=client_ip(request.scope, runtime.settings.trusted_proxies),
        )
        return _out(order)


@router.get("/feedback")
def list_feedback(
    request: Request,
    view: Literal["mine", "queue"] = Query(default="mine", description="queue: to handle"),
    status: str | None = None,
    actor: Actor = signed_in_policy("feedback.read"),
) -> list[WorkOrderOut]:
    """My work orders, or (staff) the queue of my organization or region, deadline first."""
    with _uow(request, write=False) as session:
        if view == "queue":
            orders = queries.work_order_queue(session, actor=actor, status=status)
        else:
            orders = queries.my_work_orders(session, actor=actor)
        return [_out(o) for o in orders]


@router.get("/feedback/{work_order_id}")
def get_feedback(
    work_order_id: int, request: Request, actor: Actor = signed_in_policy("feedback.read")
) -> WorkOrderOut:
    with _uow(request, write=False) as session:
        return _out(
            feedback_service.get_work_order(session, actor=actor, work_order_id=work_order_id)
        )


@router.post("/feedback/{work_order_id}/assign")
def assign_feedback(
    work_order_id: int,
    request: Request,
    body: AssignIn,
    actor: Actor = signed_in_policy("feedback.assign"),
) -> WorkOrderOut:
    """Route to a provider organization; the answer deadline starts now."""
    with _uow(request) as session:
        order = feedback_service.assign_work_order(
            session,
            actor=actor,
            work_order_id=work_order_id,
            organization_id=body.organization_id,
            settings=get_runtime(request).settings,
        )
        return _out(order)


@router.post("/feedback/{work_order_id}/answer")
def answer_feedback(
    work_order_id: int,
    request: Request,
    body: AnswerIn,
    actor: Actor = signed_in_policy("feedback.answer"),
) -> WorkOrderOut:
    with _uow(request) as session:
        order = feedback_service.answer_work_order(
            session, actor=actor, work_order_id=work_order_id, answer=body.answer
        )
        return _out(order)


@router.post("/feedback/{work_order_id}/close")
def close_feedback(
    work_order_id: int,
    request: Request,
    body: CommentIn,
    actor: Actor = signed_in_policy("feedback.close"),
) -> WorkOrderOut:
    with _uow(request) as session:
        order = feedback_service.close_work_order(
            session, actor=actor, work_order_id=work_order_id, comment=body.comment
        )
        return _out(order)


@router.post("/feedback/{work_order_id}/reopen")
def reopen_feedback(
    work_order_id: int,
    request: Request,
    body: CommentIn,
    actor: Actor = signed_in_policy("feedback.reopen"),
) -> WorkOrderOut:
    """The submitter reopens an answered or closed order; a new deadline starts."""
    with _uow(request) as session:
        order = feedback_service.reopen_work_order(
            session,
            actor=actor,
            work_order_id=work_order_id,
            comment=body.comment,
            settings=get_runtime(request).settings,
        )
        return _out(order)


@router.get("/datasets/{dataset_id}/feedback")
def dataset_public_answers(
    dataset_id: int, request: Request, actor: Actor = policy(None)
) -> list[PublicAnswerOut]:
    """Answered feedback on a dataset that its submitters allowed to be published."""
    with _uow(request, write=False) as session:
        catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
        return [
            PublicAnswerOut.model_validate(o)
            for o in queries.public_answers(session, dataset_id=dataset_id)
        ]
