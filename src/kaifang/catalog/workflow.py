"""Publishing workflow: draft → submitted → approved → published; rejected; withdrawn; revisions.

Each transition is one function with a domain verb; each is authorised, audited and leaves a
comment on the trail. Gates (such as the privacy publish gate) register themselves here.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.auth.policy import can
from kaifang.catalog.models import Dataset, DatasetRevision
from kaifang.catalog.service import _event, apply_changes, get_dataset, open_revision, target_of
from kaifang.db import raise_event, utcnow
from kaifang.errors import Conflict, InvalidInput
from kaifang.events import DatasetChanged

PublishGate = Callable[[Session, Dataset], None]
_publish_gates: list[PublishGate] = []


def register_publish_gate(gate: PublishGate) -> None:
    """A check that raises before a dataset may be published (e.g. unmasked personal data)."""
    if gate not in _publish_gates:
        _publish_gates.append(gate)


def missing_for_submission(dataset: Dataset) -> list[str]:
    """Metadata a reviewer needs before a dataset can be submitted."""
    missing = []
    if len(dataset.summary or "") < 10:
        missing.append("summary")
    if not dataset.domains:
        missing.append("domains")
    if not dataset.items:
        missing.append("items")
    if not dataset.update_frequency:
        missing.append("update_frequency")
    return missing


def _transition(
    session: Session,
    dataset: Dataset,
    actor: Actor,
    action: str,
    to: str,
    comment: str = "",
    revision: DatasetRevision | None = None,
) -> Dataset:
    before = dataset.status
    if revision is None:
        dataset.status = to
    dataset.modified_at = utcnow()
    _event(session, dataset, actor, action, before, to, comment, revision.id if revision else None)
    audit_service.record(
        session,
        action=f"dataset.{action}",
        actor=actor,
        object_type="dataset",
        object_id=dataset.id,
        details={"from": before, "to": to, "revision": revision.id if revision else None},
    )
    raise_event(session, DatasetChanged(dataset.id))
    return dataset


def _load(session: Session, actor: Actor, dataset_id: int, action: str) -> Dataset:
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    auth_service.authorize(actor, action, target_of(dataset))
    return dataset


def submit_dataset(
    session: Session, *, actor: Actor, dataset_id: int, comment: str = ""
) -> Dataset:
    """Send a draft (or a published dataset's pending revision) to review."""
    dataset = _load(session, actor, dataset_id, "dataset.submit")
    if dataset.status == "published":
        revision = open_revision(session, dataset.id)
        if revision is None or revision.status != "draft":
            raise Conflict("没有待提交的修订 (no revision to submit)")
        revision.status = "submitted"
        return _transition(
            session, dataset, actor, "submit_revision", "submitted", comment, revision
        )
    if dataset.status not in ("draft", "rejected"):
        raise Conflict(f"当前状态 {dataset.status} 不能提交 (cannot submit from this state)")
    missing = missing_for_submission(dataset)
    if missing:
        raise InvalidInput(
            "提交前请补全元数据 (complete the metadata before submitting)",
            details={"missing": missing},
        )
    return _transition(session, dataset, actor, "submit", "submitted", comment)


def approve_dataset(
    session: Session, *, actor: Actor, dataset_id: int, comment: str = ""
) -> Dataset:
    """Approve a submission; an approved revision is applied to the published entry at once."""
    dataset = _load(session, actor, dataset_id, "dataset.review")
    if dataset.status == "published":
        revision = _submitted_revision(session, dataset)
        apply_changes(session, dataset=dataset, changes=revision.changes, actor=actor)
        revision.status, revision.decided_at = "approved", utcnow()
        dataset.last_updated_at = utcnow()
        return _transition(
            session, dataset, actor, "approve_revision", "published", comment, revision
        )
    if dataset.status != "submitted":
        raise Conflict("只有已提交的数据集可以审核 (only submitted datasets can be approved)")
    return _transition(session, dataset, actor, "approve", "approved", comment)


def reject_dataset(session: Session, *, actor: Actor, dataset_id: int, reason: str) -> Dataset:
    """Send a submission back to its organization with a reason."""
    if len(reason.strip()) < 2:
        raise InvalidInput("驳回须填写理由 (a reason is required)", details={"field": "reason"})
    dataset = _load(session, actor, dataset_id, "dataset.review")
    if dataset.status == "published":
        revision = _submitted_revision(session, dataset)
        revision.status, revision.decided_at = "rejected", utcnow()
        return _transition(session, dataset, actor, "reject_revision", "rejected", reason, revision)
    if dataset.status != "submitted":
        raise Conflict("只有已提交的数据集可以驳回 (only submitted datasets can be rejected)")
    return _transition(session, dataset, actor, "reject", "rejected", reason)


def _submitted_revision(session: Session, dataset: Dataset) -> DatasetRevision:
    revision = open_revision(session, dataset.id)
    if revision is None or revision.status != "submitted":
        raise Conflict("没有待审核的修订 (no revision under review)")
    return revision


def publish_dataset(
    session: Session, *, actor: Actor, dataset_id: int, comment: str = ""
) -> Dataset:
    """Make an approved dataset public; every registered gate must pass first."""
    dataset = _load(session, actor, dataset_id, "dataset.publish")
    if dataset.status != "approved":
        raise Conflict("只有审核通过的数据集可以发布 (only approved datasets can be published)")
    for gate in _publish_gates:
        gate(session, dataset)
    now = utcnow()
    dataset.first_published_at = dataset.first_published_at or now
    dataset.last_updated_at = now
    return _transition(session, dataset, actor, "publish", "published", comment)


def withdraw_dataset(session: Session, *, actor: Actor, dataset_id: int, reason: str) -> Dataset:
    """Take a published dataset offline; its catalogue code stays retired, never reused."""
    if len(reason.strip()) < 2:
        raise InvalidInput("撤回须填写理由 (a reason is required)", details={"field": "reason"})
    dataset = _load(session, actor, dataset_id, "dataset.withdraw")
    if dataset.status not in ("published", "approved", "submitted"):
        raise Conflict("当前状态不能撤回 (cannot withdraw from this state)")
    dataset.withdrawn_reason = reason
    return _transition(session, dataset, actor, "withdraw", "withdrawn", reason)


def comment_on_dataset(session: Session, *, actor: Actor, dataset_id: int, comment: str) -> Dataset:
    """Add a comment to the trail (organization and reviewers)."""
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    if not (
        can(actor, "dataset.edit", target_of(dataset))
        or can(actor, "dataset.review", target_of(dataset))
    ):
        auth_service.authorize(actor, "dataset.review", target_of(dataset))
    _event(session, dataset, actor, "comment", dataset.status, dataset.status, comment)
    audit_service.record(
        session, action="dataset.comment", actor=actor, object_type="dataset", object_id=dataset.id
    )
    return dataset


def _install_default_gates() -> None:
    from kaifang.catalog.privacy_gate import check_publish_gate

    register_publish_gate(check_publish_gate)


_install_default_gates()
