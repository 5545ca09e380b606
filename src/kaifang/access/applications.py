"""The applicant's side of an application: draft, edit, submit, withdraw, renew, read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access import agreements, deadlines
from kaifang.access.models import Application, ApplicationEvent, ApplicationItem, Grant
from kaifang.access.schemas import ApplicationIn, ApplicationPatch, RequestedItems
from kaifang.access.timeline import add_event, list_events
from kaifang.audit import service as audit_service
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import User
from kaifang.auth.policy import Target, can
from kaifang.catalog import service as catalog_service
from kaifang.db import raise_event, utcnow
from kaifang.errors import Conflict, InvalidInput, NotFound
from kaifang.events import Notification

EDITABLE = ("draft", "returned")
WITHDRAWABLE = ("draft", "submitted", "accepted", "returned", "under_review")
REQUIRED_TO_SUBMIT = {
    "purpose": "用途",
    "scenario": "应用场景",
    "target_system": "使用数据的系统或应用",
    "security_measures": "安全保障措施",
    "period_from": "使用期限起",
    "period_until": "使用期限止",
}


def target_of(app: Application) -> Target:
    """The policy's view: provider organization and region, applicant as owner."""
    return Target(
        organization_id=app.organization_id,
        region_code=app.region_code,
        user_id=app.applicant_id,
        id=app.id,
    )


def get_application(session: Session, *, actor: Actor, application_id: int) -> Application:
    """The application if ``actor`` may see it; NotFound otherwise (other tenants learn nothing)."""
    app = session.get(Application, application_id)
    if app is None or not can(actor, "application.read", target_of(app)):
        raise NotFound("申请不存在 (application not found)")
    if app.status == "draft" and app.applicant_id != actor.user_id and actor.role != "system":
        # A draft is the applicant's private notes until it is submitted.
        raise NotFound("申请不存在 (application not found)")
    return app


def require_state(app: Application, allowed: Sequence[str], action: str) -> None:
    """Raise Conflict unless ``app`` is in one of the ``allowed`` states."""
    if app.status not in allowed:
        raise Conflict(
            f"当前状态 {app.status} 不能执行此操作 (not allowed in state {app.status})",
            details={"status": app.status, "action": action},
        )


def transition(
    session: Session,
    app: Application,
    *,
    actor: Actor,
    action: str,
    to_status: str,
    allowed_from: Sequence[str],
    comment: str = "",
    details: dict[str, Any] | None = None,
) -> Application:
    """Move ``app`` to ``to_status`` with a timeline step and an audit record; Conflict if stale."""
    require_state(app, allowed_from, action)
    previous, app.status, app.modified_at = app.status, to_status, utcnow()
    add_event(
        session,
        app,
        action=action,
        actor=actor,
        from_status=previous,
        to_status=to_status,
        comment=comment,
    )
    audit_service.record(
        session,
        action=f"application.{action}",
        actor=actor,
        object_type="application",
        object_id=app.id,
        details={"from": previous, "to": to_status, **(details or {})},
    )
    return app


@dataclass(frozen=True)
class _Checked:
    organization_id: int
    region_code: str
    pairs: list[tuple[int, str]]


def _label(dataset: Any, name: str) -> str:
    return f"{dataset.title}.{name}"


def _classify(dataset: Any, wanted: RequestedItems, problems: dict[str, list[str]]) -> None:
    index = {item.name: item for item in dataset.items}
    for name in wanted.items:
        item = index.get(name)
        if item is None:
            problems["unknown"].append(_label(dataset, name))
        elif dataset.open_attribute == "closed" or item.open_attribute == "closed":
            problems["closed"].append(_label(dataset, name))
        elif item.open_attribute == "unconditional":
            problems["unconditional"].append(_label(dataset, name))


def _problem_message(problems: dict[str, list[str]]) -> str:
    parts = []
    if problems["closed"]:
        parts.append(
            "不予开放，不能申请 (closed items can never be requested): "
            + "、".join(problems["closed"])
        )
    if problems["unconditional"]:
        parts.append(
            "无条件开放，无需申请 (unconditional items need no application): "
            + "、".join(problems["unconditional"])
        )
    if problems["unknown"]:
        parts.append("数据项不存在 (unknown items): " + "、".join(problems["unknown"]))
    return "；".join(parts)


def check_requested(session: Session, *, actor: Actor, wanted: list[RequestedItems]) -> _Checked:
    """Validate requested items: only conditional items of published datasets of one provider."""
    problems: dict[str, list[str]] = {"closed": [], "unconditional": [], "unknown": []}
    orgs: set[int] = set()
    pairs: list[tuple[int, str]] = []
    for entry in wanted:
        dataset = catalog_service.get_dataset(session, actor=actor, dataset_id=entry.dataset_id)
        if dataset.status != "published":
            raise InvalidInput(
                "只能申请已发布的数据集 (dataset not published)", details={"dataset_id": dataset.id}
            )
        _classify(dataset, entry, problems)
        orgs.add(dataset.organization_id)
        pairs += [(dataset.id, name) for name in dict.fromkeys(entry.items)]
    if any(problems.values()):
        raise InvalidInput(_problem_message(problems), details=problems)
    if len(orgs) != 1:
        raise InvalidInput(
            "一份申请只能面向一个数据提供方，请分别申请 "
            "(one application per provider organization)",
            details={"field": "datasets"},
        )
    org = auth_service.get_organization(session, orgs.pop())
    return _Checked(org.id, org.region_code, pairs)


def _set_items(app: Application, pairs: list[tuple[int, str]]) -> None:
    # Keep the rows still wanted: the flush inserts before it deletes, so re-adding an
    # unchanged item as a new row would break the (application, dataset, item) unique key.
    kept = [i for i in app.items if (i.dataset_id, i.item_name) in pairs]
    have = {(i.dataset_id, i.item_name) for i in kept}
    app.items[:] = kept + [
        ApplicationItem(dataset_id=d, item_name=n) for d, n in pairs if (d, n) not in have
    ]


def create_application(session: Session, *, actor: Actor, data: ApplicationIn) -> Application:
    """Save a draft; raises InvalidInput naming unconditional, closed or unknown items."""
    auth_service.authorize(actor, "application.create")
    checked = check_requested(session, actor=actor, wanted=data.datasets)
    user = session.get(User, actor.user_id)
    if data.on_behalf_of_organization and actor.organization_id is None:
        raise InvalidInput(
            "只有机构账号可代表机构申请 (no organization to apply for)",
            details={"field": "on_behalf_of_organization"},
        )
    fields = data.model_dump(exclude={"datasets", "on_behalf_of_organization"})
    app = Application(
        applicant_id=actor.user_id,
        applicant_organization_id=actor.organization_id if data.on_behalf_of_organization else None,
        account_kind=user.account_kind if user else "individual",
        company_uscc=user.company_uscc if user else None,
        organization_id=checked.organization_id,
        region_code=checked.region_code,
        **fields,
    )
    _check_period(app)
    session.add(app)
    _set_items(app, checked.pairs)
    session.flush()
    add_event(session, app, action="create", actor=actor, to_status="draft")
    audit_service.record(
        session,
        action="application.create",
        actor=actor,
        object_type="application",
        object_id=app.id,
        details={"items": [f"{d}:{n}" for d, n in checked.pairs]},
    )
    return app


def _check_period(app: Application) -> None:
    if app.period_from and app.period_until and app.period_until < app.period_from:
        raise InvalidInput(
            "使用期限止早于起 (period ends before it starts)", details={"field": "period_until"}
        )


def update_application(
    session: Session, *, actor: Actor, application_id: int, patch: ApplicationPatch
) -> Application:
    """Edit a draft or a returned application (the applicant only)."""
    app = get_application(session, actor=actor, application_id=application_id)
    auth_service.authorize(actor, "application.edit", target_of(app))
    if app.status not in EDITABLE:
        raise Conflict(
            "只能修改草稿或退回补正的申请 (only drafts and returned applications)",
            details={"status": app.status},
        )
    changes = patch.model_dump(exclude_unset=True, exclude={"datasets"})
    if patch.datasets is not None:
        checked = check_requested(session, actor=actor, wanted=patch.datasets)
        if checked.organization_id != app.organization_id:
            raise InvalidInput(
                "不能更换数据提供方 (provider cannot change)", details={"field": "datasets"}
            )
        _set_items(app, checked.pairs)
    for name, value in changes.items():
        setattr(app, name, value)
    _check_period(app)
    app.modified_at = utcnow()
    add_event(session, app, action="edit", actor=actor, comment=", ".join(sorted(changes)))
    audit_service.record(
        session,
        action="application.edit",
        actor=actor,
        object_type="application",
        object_id=app.id,
        details={"fields": sorted(changes)},
    )
    return app


def _missing_fields(app: Application) -> list[str]:
    return [label for name, label in REQUIRED_TO_SUBMIT.items() if not getattr(app, name)]


def _check_agreement(session: Session, app: Application) -> None:
    current = agreements.current_agreement(session)
    if current is None or app.agreement_id != current.id:
        raise InvalidInput(
            "请阅读并接受现行的开放协议和安全承诺 (accept the current agreement)",
            details={"field": "agreement_id", "current": current.id if current else None},
        )


def submit_application(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    comment: str = "",
    now: dt.datetime | None = None,
    accept_working_days: int = deadlines.ACCEPT_WORKING_DAYS,
) -> Application:
    """Send a draft (or a corrected application) for acceptance; the 5-working-day clock starts."""
    app = get_application(session, actor=actor, application_id=application_id)
    auth_service.authorize(actor, "application.edit", target_of(app))
    missing = _missing_fields(app)
    if missing:
        raise InvalidInput("请填写 (required): " + "、".join(missing), details={"missing": missing})
    _check_agreement(session, app)
    now = now or utcnow()
    app.submitted_at, app.accept_due = now, deadlines.accept_due_for(now, accept_working_days)
    app.accepted_at = app.decision_due = None
    # The chain in force now is the one this application follows to the end.
    app.review_chain = auth_service.get_organization(session, app.organization_id).review_chain
    transition(
        session,
        app,
        actor=actor,
        action="submit",
        to_status="submitted",
        allowed_from=EDITABLE,
        comment=comment,
        details={"agreement_id": app.agreement_id, "accept_due": str(app.accept_due)},
    )
    notify_officers(session, app, f"新的受限开放申请 #{app.id} 待受理 (to accept)")
    return app


def notify_officers(session: Session, app: Application, subject: str) -> None:
    """Tell the provider organization's officers that an application needs them."""
    for user in deadlines.provider_officers(session, app.organization_id):
        raise_event(
            session,
            Notification(
                user_id=user.id, subject=subject, link=f"/workbench/applications/{app.id}"
            ),
        )


def notify_applicant(session: Session, app: Application, subject: str, body: str = "") -> None:
    raise_event(
        session,
        Notification(
            user_id=app.applicant_id,
            subject=subject,
            body=body,
            link=f"/access/applications/{app.id}",
        ),
    )


def withdraw_application(
    session: Session, *, actor: Actor, application_id: int, comment: str = ""
) -> Application:
    """The applicant takes the application back before any decision."""
    app = get_application(session, actor=actor, application_id=application_id)
    auth_service.authorize(actor, "application.edit", target_of(app))
    return transition(
        session,
        app,
        actor=actor,
        action="withdraw",
        to_status="withdrawn",
        allowed_from=WITHDRAWABLE,
        comment=comment,
    )


def renew_application(session: Session, *, actor: Actor, grant_id: int) -> Application:
    """Start a renewal: a new draft linked to the previous grant, with its terms copied."""
    grant = session.get(Grant, grant_id)
    if grant is None or grant.grantee_user_id != actor.user_id:
        raise NotFound("授权不存在 (grant not found)")
    if grant.status == "revoked":
        raise Conflict("已撤销的授权不能续期 (a revoked grant cannot be renewed)")
    old = session.get(Application, grant.application_id)
    assert old is not None
    start = deadlines.china_date(grant.valid_until)
    length = (old.period_until - old.period_from) if old.period_from and old.period_until else None
    data = ApplicationIn(
        datasets=[RequestedItems(dataset_id=grant.dataset_id, items=list(grant.items))],
        purpose=old.purpose,
        scenario=old.scenario,
        expected_results=old.expected_results,
        target_system=old.target_system,
        channel=old.channel,  # type: ignore[arg-type]
        period_from=start,
        period_until=start + length if length else None,
        security_measures=old.security_measures,
        on_behalf_of_organization=old.applicant_organization_id is not None,
    )
    app = create_application(session, actor=actor, data=data)
    app.previous_grant_id = grant.id
    add_event(session, app, action="renew", actor=actor, comment=f"grant #{grant.id}")
    return app


def list_applications(
    session: Session,
    *,
    actor: Actor,
    mine: bool = True,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Application]:
    """The actor's own applications, or (staff) those addressed to their organization or region."""
    stmt = select(Application).order_by(Application.id.desc()).limit(limit)
    if mine or actor.role in ("user", "anonymous"):
        stmt = stmt.where(Application.applicant_id == (actor.user_id or -1))
    elif actor.role == "officer":
        stmt = stmt.where(
            Application.organization_id == (actor.organization_id or -1),
            Application.status != "draft",
        )
    elif actor.region_scope is not None:
        stmt = stmt.where(
            Application.region_code.startswith(actor.region_scope), Application.status != "draft"
        )
    else:
        stmt = stmt.where(Application.status != "draft")
    if status:
        stmt = stmt.where(Application.status == status)
    if before_id is not None:
        stmt = stmt.where(Application.id < before_id)
    return list(session.scalars(stmt).all())


def application_timeline(
    session: Session, *, actor: Actor, application_id: int
) -> tuple[Application, list[ApplicationEvent]]:
    """The application and its timeline, for whoever may see the application."""
    app = get_application(session, actor=actor, application_id=application_id)
    return app, list_events(session, app.id)
