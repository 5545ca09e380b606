"""Read-side helpers for the portal and workbench pages: what may be requested, what waits on
whom, which steps an actor may take, and the grants a provider oversees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access.applications import get_application, list_applications, target_of
from kaifang.access.grants import held_by
from kaifang.access.grants import target_of as grant_target
from kaifang.access.models import Application, Grant
from kaifang.access.reviews import REVIEW_CHAIN, chain_of
from kaifang.auth.actor import Actor
from kaifang.auth.policy import can
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import DataItem, Dataset
from kaifang.errors import InvalidInput

REVIEWER_WAITS_ON = {"officer": ("submitted", "accepted"), "reviewer": ("under_review",)}


@dataclass(frozen=True)
class ItemChoice:
    """One data item of a dataset as an application or a grant form offers it."""

    dataset_id: int
    dataset_title: str
    name: str
    label: str
    grade: str
    masking_rule: str


def _choice(dataset: Dataset, item: DataItem) -> ItemChoice:
    return ItemChoice(
        dataset.id, dataset.title, item.name, item.label, item.grade, item.masking_rule or ""
    )


def requestable_items(
    session: Session, *, actor: Actor, dataset_id: int
) -> tuple[Dataset, list[ItemChoice]]:
    """The published dataset and its conditional items; InvalidInput when there are none."""
    dataset = catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
    choices = [
        _choice(dataset, i)
        for i in dataset.items
        if dataset.open_attribute != "closed" and i.open_attribute == "conditional"
    ]
    if dataset.status != "published" or not choices:
        raise InvalidInput(
            "该数据集没有可申请的有条件开放数据项 (no conditional items to apply for)",
            details={"dataset_id": dataset.id},
        )
    return dataset, choices


def requested_items(session: Session, *, actor: Actor, app: Application) -> list[ItemChoice]:
    """The items an application asks for, with their datasets' titles and the items' labels."""
    out: list[ItemChoice] = []
    for dataset_id in dict.fromkeys(i.dataset_id for i in app.items):
        dataset = catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
        by_name = {i.name: i for i in dataset.items}
        for wanted in (i for i in app.items if i.dataset_id == dataset_id):
            item = by_name.get(wanted.item_name)
            if item is not None:
                out.append(_choice(dataset, item))
    return out


def review_queue(session: Session, *, actor: Actor) -> list[Application]:
    """Applications whose next step is the actor's: officers accept/forward, reviewers decide."""
    waiting = REVIEWER_WAITS_ON.get(actor.role, ("submitted", "accepted", "under_review"))
    inbox = list_applications(session, actor=actor, mine=False, limit=500)
    return [a for a in inbox if a.status in waiting]


def available_steps(
    actor: Actor, app: Application, chain: tuple[str, ...] = REVIEW_CHAIN
) -> set[str]:
    """The review steps ``actor`` may take on ``app`` now (accept, return, forward, decide)."""
    chain = chain_of(app, chain)
    target = target_of(app)
    org_side = can(actor, "application.review_org", target)
    bureau_side = can(actor, "application.review_bureau", target)
    steps: set[str] = set()
    if org_side and app.status == "submitted":
        steps |= {"accept", "return"}
    if org_side and app.status == "accepted":
        steps |= {"return", "forward" if chain[-1] == "bureau" else "decide"}
    if bureau_side and app.status == "under_review" and chain[-1] == "bureau":
        steps |= {"return", "decide"}
    return steps


def applicant_steps(actor: Actor, app: Application) -> set[str]:
    """What the applicant may do now: edit, submit, withdraw."""
    if app.applicant_id != actor.user_id:
        return set()
    steps = {"edit", "submit"} if app.status in ("draft", "returned") else set()
    if app.status in ("draft", "submitted", "accepted", "returned", "under_review"):
        steps.add("withdraw")
    return steps


def application_grants(session: Session, *, actor: Actor, application_id: int) -> list[Grant]:
    """The grants an application produced, for whoever may see the application."""
    app = get_application(session, actor=actor, application_id=application_id)
    rows = session.scalars(
        select(Grant).where(Grant.application_id == app.id).order_by(Grant.id)
    ).all()
    return [g for g in rows if held_by(g, actor) or can(actor, "grant.read", grant_target(g))]


def overseen_grants(session: Session, *, actor: Actor, limit: int = 500) -> list[Grant]:
    """Grants on data the actor oversees: the officer's organization, the reviewer's region."""
    stmt = select(Grant).order_by(Grant.id.desc()).limit(limit)
    if actor.role == "officer":
        stmt = stmt.where(Grant.organization_id == (actor.organization_id or -1))
    elif actor.region_scope is not None:
        stmt = stmt.where(Grant.region_code.startswith(actor.region_scope))
    rows: Iterable[Grant] = session.scalars(stmt).all()
    return [g for g in rows if can(actor, "grant.read", grant_target(g))]
