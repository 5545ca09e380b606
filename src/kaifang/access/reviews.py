"""The reviewers' side: accept, return for correction, review, approve (creating grants), reject.

The review chain is configurable. The default, ``("provider", "bureau")``, has the provider
organization's officer accept and review first and a bureau reviewer of the region decide;
``("provider",)`` lets the provider officer decide right after accepting. The platform's
setting applies unless the provider organization chose its own (``set_review_chain``); an
application follows the chain in force when it was submitted (``chain_of``), so changing an
organization's chain never strands one mid-review.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from kaifang.access import deadlines
from kaifang.access.applications import (
    get_application,
    notify_applicant,
    require_state,
    target_of,
    transition,
)
from kaifang.access.grants import build_grant
from kaifang.access.masking import MaskerFactory, default_masker_factory
from kaifang.access.models import Application, Grant
from kaifang.access.rules import CHAIN_NAMES, DEFAULT_RULES, chain_named
from kaifang.access.schemas import GrantTermsIn
from kaifang.access.timeline import add_event
from kaifang.audit import service as audit_service
from kaifang.auth import service as auth_service
from kaifang.auth.actor import SYSTEM, Actor
from kaifang.auth.models import Organization
from kaifang.auth.policy import Target
from kaifang.auth.service import authorize
from kaifang.db import raise_event, utcnow
from kaifang.errors import InvalidInput
from kaifang.events import Notification

REVIEW_CHAIN: tuple[str, ...] = DEFAULT_RULES.review_chain
CHAINS = set(CHAIN_NAMES.values())


def chain_of(app: Application, default: tuple[str, ...] = REVIEW_CHAIN) -> tuple[str, ...]:
    """The chain ``app`` follows: its organization's when it was submitted, else ``default``."""
    return chain_named(app.review_chain, default)


def set_review_chain(
    session: Session, *, actor: Actor, organization_id: int, chain: str | None
) -> Organization:
    """Choose who decides an organization's applications; None returns to the platform's."""
    org = auth_service.get_organization(session, organization_id)
    authorize(
        actor, "organization.manage", Target(organization_id=org.id, region_code=org.region_code)
    )
    if chain is not None and chain not in CHAIN_NAMES:
        raise InvalidInput(
            "审核流程须为 provider 或 provider,bureau (review chain must be provider or "
            "provider,bureau)",
            details={"field": "review_chain"},
        )
    before, org.review_chain = org.review_chain, chain
    audit_service.record(
        session,
        action="organization.review_chain",
        actor=actor,
        object_type="organization",
        object_id=org.id,
        details={"from": before, "to": chain},
    )
    return org


def _decider(chain: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The decider's policy action and the states a decision may be taken from."""
    if chain not in CHAINS:
        raise ValueError(f"unsupported review chain {chain!r}")
    if chain[-1] == "bureau":
        return "application.review_bureau", ("under_review",)
    return "application.review_org", ("accepted",)


def _comment_required(text: str, field: str = "comment") -> str:
    if len(text.strip()) < 2:
        raise InvalidInput(
            "请填写意见或理由 (a comment or reason is required)", details={"field": field}
        )
    return text.strip()


def accept_application(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    comment: str = "",
    now: dt.datetime | None = None,
    decide_working_days: int = deadlines.DECIDE_WORKING_DAYS,
) -> Application:
    """受理: the provider's officer takes the application on; the decision clock starts."""
    app = get_application(session, actor=actor, application_id=application_id)
    authorize(actor, "application.review_org", target_of(app))
    now = now or utcnow()
    app.accepted_at = now
    app.decision_due = deadlines.decision_due_for(now, decide_working_days)
    transition(
        session,
        app,
        actor=actor,
        action="accept",
        to_status="accepted",
        allowed_from=("submitted",),
        comment=comment,
        details={"decision_due": str(app.decision_due)},
    )
    notify_applicant(session, app, f"申请 #{app.id} 已受理 (accepted)")
    return app


def return_application(
    session: Session, *, actor: Actor, application_id: int, reason: str
) -> Application:
    """补正: send the application back saying what to fix; the applicant edits and resubmits."""
    app = get_application(session, actor=actor, application_id=application_id)
    reason = _comment_required(reason, "reason")
    if app.status == "under_review":
        authorize(actor, "application.review_bureau", target_of(app))
    else:
        authorize(actor, "application.review_org", target_of(app))
    app.correction_request = reason
    app.accept_due = app.decision_due = None
    transition(
        session,
        app,
        actor=actor,
        action="return",
        to_status="returned",
        allowed_from=("submitted", "accepted", "under_review"),
        comment=reason,
    )
    notify_applicant(session, app, f"申请 #{app.id} 需补正 (returned for correction)", reason)
    return app


def review_application(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    opinion: str,
    comment: str,
    chain: tuple[str, ...] = REVIEW_CHAIN,
) -> Application:
    """The provider's review opinion; forwards the application to the bureau for a decision."""
    app = get_application(session, actor=actor, application_id=application_id)
    authorize(actor, "application.review_org", target_of(app))
    if chain_of(app, chain)[-1] != "bureau":
        raise InvalidInput("当前审核流程无需转交 (the provider decides in this chain)")
    if opinion not in ("approve", "reject"):
        raise InvalidInput("意见须为 approve 或 reject", details={"field": "opinion"})
    text = f"[{opinion}] " + _comment_required(comment)
    transition(
        session,
        app,
        actor=actor,
        action="review",
        to_status="under_review",
        allowed_from=("accepted",),
        comment=text,
        details={"opinion": opinion},
    )
    for reviewer in deadlines.bureau_reviewers(session, app.region_code):
        raise_event(
            session,
            Notification(
                user_id=reviewer.id,
                subject=f"申请 #{app.id} 待审核决定 (to decide)",
                link=f"/workbench/applications/{app.id}",
            ),
        )
    return app


def approve_application(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    grants: list[GrantTermsIn] | None = None,
    comment: str = "",
    chain: tuple[str, ...] = REVIEW_CHAIN,
    now: dt.datetime | None = None,
    masker_factory: MaskerFactory = default_masker_factory,
) -> tuple[Application, list[Grant]]:
    """Approve and create one grant per dataset (terms may narrow items, rows and channels)."""
    app = get_application(session, actor=actor, application_id=application_id)
    action, states = _decider(chain_of(app, chain))
    authorize(actor, action, target_of(app))
    now = now or utcnow()
    terms = grants or [
        GrantTermsIn(dataset_id=d) for d in dict.fromkeys(i.dataset_id for i in app.items)
    ]
    if len({t.dataset_id for t in terms}) != len(terms):
        raise InvalidInput(
            "每个数据集只能有一份授权 (one grant per dataset)", details={"field": "grants"}
        )
    require_state(app, states, "approve")
    # Every grant is validated before anything changes, so a bad term leaves no trace.
    created = [build_grant(session, app, t, now=now, masker_factory=masker_factory) for t in terms]
    app.decided_at = now
    transition(
        session,
        app,
        actor=actor,
        action="approve",
        to_status="approved",
        allowed_from=states,
        comment=comment,
        details={"datasets": [t.dataset_id for t in terms]},
    )
    session.add_all(created)
    session.flush()
    _activate_started(session, app, created, now)
    notify_applicant(session, app, f"申请 #{app.id} 已批准 (approved)", comment)
    return app, created


def _activate_started(
    session: Session, app: Application, created: list[Grant], now: dt.datetime
) -> None:
    if any(g.valid_from <= now for g in created):
        app.status = "active"
        comment = ", ".join(f"grant #{g.id}" for g in created)
        add_event(
            session, app, action="activate", actor=SYSTEM, from_status="approved", comment=comment
        )


def reject_application(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    reason: str,
    chain: tuple[str, ...] = REVIEW_CHAIN,
    now: dt.datetime | None = None,
) -> Application:
    """不予批准, with the reason the applicant will read."""
    app = get_application(session, actor=actor, application_id=application_id)
    action, states = _decider(chain_of(app, chain))
    authorize(actor, action, target_of(app))
    app.decision_reason = _comment_required(reason, "reason")
    app.decided_at = now or utcnow()
    transition(
        session,
        app,
        actor=actor,
        action="reject",
        to_status="rejected",
        allowed_from=states,
        comment=app.decision_reason,
    )
    notify_applicant(session, app, f"申请 #{app.id} 未获批准 (rejected)", app.decision_reason)
    return app
