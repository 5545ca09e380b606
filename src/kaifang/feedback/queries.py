"""Read-side queries of work orders: my feedback, the staff queue and public answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.auth.policy import Target
from kaifang.auth.service import authorize
from kaifang.feedback.models import PUBLISHABLE_KINDS, STATES, WorkOrder

QUEUE_LIMIT = 200


def my_work_orders(session: Session, *, actor: Actor, limit: int = 100) -> list[WorkOrder]:
    """The signed-in actor's own feedback, newest first."""
    authorize(actor, "account.read_own")
    stmt = (
        select(WorkOrder)
        .where(WorkOrder.submitter_id == actor.user_id)
        .order_by(WorkOrder.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt).all())


def _scoped(stmt: Select[Any], actor: Actor) -> Select[Any]:
    if actor.role == "officer":
        return stmt.where(WorkOrder.organization_id == actor.organization_id)
    if actor.region_scope is None:
        return stmt
    # Unrouted orders carry no region: only platform-wide staff route them.
    prefix = actor.region_scope
    return stmt.where(WorkOrder.region_code.is_not(None), WorkOrder.region_code.startswith(prefix))


def work_order_queue(
    session: Session, *, actor: Actor, status: str | None = None
) -> list[WorkOrder]:
    """Work orders the actor handles: an officer's organization, a reviewer's or admin's region.

    Open orders come first by deadline; ``status`` narrows to one state.
    """
    authorize(
        actor,
        "feedback.queue",
        Target(organization_id=actor.organization_id, region_code=actor.region_scope),
    )
    stmt = _scoped(select(WorkOrder), actor)
    if status in STATES:
        stmt = stmt.where(WorkOrder.status == status)
    stmt = stmt.order_by(WorkOrder.due_date.is_(None), WorkOrder.due_date, WorkOrder.id.desc())
    return list(session.scalars(stmt.limit(QUEUE_LIMIT)).all())


def public_answers(session: Session, *, dataset_id: int, limit: int = 20) -> list[WorkOrder]:
    """Answered feedback on a dataset that its submitter allowed to be shown publicly."""
    stmt = (
        select(WorkOrder)
        .where(
            WorkOrder.dataset_id == dataset_id,
            WorkOrder.public.is_(True),
            WorkOrder.kind.in_(PUBLISHABLE_KINDS),
            or_(WorkOrder.status == "answered", WorkOrder.status == "closed"),
            WorkOrder.answer != "",
        )
        .order_by(WorkOrder.answered_at.desc(), WorkOrder.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt).all())
