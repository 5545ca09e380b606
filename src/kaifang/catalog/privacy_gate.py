"""The publish gate: no unmasked direct identifiers of natural persons in unconditional items.

Findings come from the items' declared PII kinds and from the privacy scan of every current
resource version. An officer fixes them (mask, change the item's attribute, drop the column)
or asks for an override with a written justification that a reviewer must accept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.catalog.models import Dataset
from kaifang.catalog.service import _event, get_dataset, target_of
from kaifang.errors import Conflict, InvalidInput

DIRECT_IDENTIFIERS = frozenset(
    {"resident_id", "mobile", "bank_card", "passport", "travel_permit", "address"}
)
NO_MASK = {None, "", "keep"}
# Scanned values prove these kinds on their own; addresses and names in open data are mostly
# facilities and organizations, so for those the officer's declaration on the item counts.
SCAN_PROVES = frozenset({"resident_id", "mobile", "bank_card", "passport", "travel_permit"})


def _kinds_by_column(dataset: Dataset) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for resource in dataset.resources:
        current = next((v for v in resource.versions if v.id == resource.current_version_id), None)
        for finding in (current.privacy if current is not None else []) or []:
            if finding.get("kind") in SCAN_PROVES:
                kinds.setdefault(str(finding["column"]), str(finding["kind"]))
    for item in dataset.items:
        if item.pii_kind:
            kinds[item.name] = item.pii_kind
    return kinds


def unmasked_identifiers(dataset: Dataset) -> list[dict[str, Any]]:
    """Unconditional, unmasked items holding direct identifiers (a name counts with another)."""
    kinds = _kinds_by_column(dataset)
    exposed = {
        i.name: i
        for i in dataset.items
        if i.open_attribute == "unconditional" and i.masking_rule in NO_MASK
    }
    direct = [n for n in exposed if kinds.get(n) in DIRECT_IDENTIFIERS]
    names = [n for n in exposed if kinds.get(n) == "person_name"]
    flagged = direct + (names if direct else [])
    return [{"item": exposed[n].label, "name": n, "kind": kinds[n]} for n in flagged]


def check_publish_gate(session: Session, dataset: Dataset) -> None:
    """Raise InvalidInput listing the findings unless none remain or an override was accepted."""
    findings = unmasked_identifiers(dataset)
    if not findings or dataset.privacy_override_status == "accepted":
        return
    labels = "、".join(f["item"] for f in findings)
    raise InvalidInput(
        f"数据项「{labels}」含未脱敏的个人直接标识，不能无条件发布 "
        "(unmasked direct identifiers in unconditional items: mask them, change their open "
        "attribute, drop them, or request a reviewed override)",
        details={"findings": findings, "field": "items"},
    )


def request_privacy_override(
    session: Session, *, actor: Actor, dataset_id: int, justification: str
) -> Dataset:
    """The officer asks to publish despite the findings, with a written justification."""
    if len(justification.strip()) < 10:
        raise InvalidInput(
            "请写明理由（至少10个字）(a written justification is required)",
            details={"field": "justification"},
        )
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    auth_service.authorize(actor, "dataset.edit", target_of(dataset))
    dataset.privacy_override_reason = justification.strip()[:2000]
    dataset.privacy_override_status = "requested"
    _event(
        session,
        dataset,
        actor,
        "privacy_override_request",
        dataset.status,
        dataset.status,
        justification,
    )
    audit_service.record(
        session,
        action="dataset.privacy_override_request",
        actor=actor,
        object_type="dataset",
        object_id=dataset.id,
        details={"findings": unmasked_identifiers(dataset)},
    )
    return dataset


def accept_privacy_override(
    session: Session, *, actor: Actor, dataset_id: int, comment: str = ""
) -> Dataset:
    """A reviewer accepts the officer's justification; publishing may then proceed."""
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    auth_service.authorize(actor, "dataset.review", target_of(dataset))
    if dataset.privacy_override_status != "requested":
        raise Conflict("没有待审核的隐私例外申请 (no override request to accept)")
    dataset.privacy_override_status = "accepted"
    _event(
        session, dataset, actor, "privacy_override_accept", dataset.status, dataset.status, comment
    )
    audit_service.record(
        session,
        action="dataset.privacy_override_accept",
        actor=actor,
        object_type="dataset",
        object_id=dataset.id,
        details={"justification": dataset.privacy_override_reason},
    )
    return dataset
