"""Fingerprinted extracts: issue one per file released under a grant, and trace a leaked copy.

Every file extract served under a grant is registered here (grant, receiving user,
dataset, version, format, fingerprint key id) and carries the invisible fingerprint of
``kaifang.privacy.fingerprint`` for its *recipient code* (grant and user). Tracing reads
a leaked table, tries every recipient code ever issued under each known key, and names
the grant and recipient only past the false-accusation bound of ``fingerprint.detect``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access.models import Grant, IssuedExtract
from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import User
from kaifang.errors import InvalidInput
from kaifang.privacy import fingerprint

_CODE_SHIFT = 32


def key_id(key: bytes) -> str:
    """Return a short public name for a fingerprint key (never the key itself)."""
    return hmac.digest(key, b"kaifang/fingerprint/key-id", hashlib.sha256).hex()[:16]


def recipient_code(grant_id: int, user_id: int) -> int:
    """Return the fingerprint identity of one user receiving data under one grant."""
    return (grant_id << _CODE_SHIFT) | user_id


def issue_extract(
    session: Session,
    *,
    actor: Actor,
    grant: Grant,
    resource_id: int,
    version_number: int,
    fmt: str,
    key: bytes,
) -> IssuedExtract:
    """Register an extract released to ``actor`` under ``grant`` (audited); InvalidInput if anonymous."""
    if actor.user_id is None:
        raise InvalidInput("an extract under a grant needs a signed-in recipient")
    extract = IssuedExtract(
        grant_id=grant.id,
        dataset_id=grant.dataset_id,
        resource_id=resource_id,
        version_number=version_number,
        recipient_user_id=actor.user_id,
        recipient_organization_id=actor.organization_id,
        recipient_code=recipient_code(grant.id, actor.user_id),
        key_id=key_id(key),
        format=fmt[:20],
        marked=False,
        marked_columns=[],
    )
    session.add(extract)
    session.flush()
    audit_service.record(
        session,
        action="extract.issue",
        actor=actor,
        object_type="issued_extract",
        object_id=extract.id,
        details={
            "grant_id": grant.id,
            "dataset_id": grant.dataset_id,
            "version": version_number,
            "format": extract.format,
        },
    )
    return extract


def record_marking(session: Session, *, extract_id: int, columns: Sequence[str]) -> None:
    """Note which columns of an issued extract carry its fingerprint."""
    extract = session.get(IssuedExtract, extract_id)
    if extract is not None:
        extract.marked = bool(columns)
        extract.marked_columns = sorted(columns)


@dataclass
class ExtractMarker:
    """Marks the batches of one streamed extract; the plan is fixed from the first batch.

    ``on_plan`` is told once which columns carry the marks (empty: nothing could carry one,
    the extract leaves unmarked and its record says so).
    """

    key: bytes
    code: int
    on_plan: Callable[[list[str]], None] | None = None
    plan: fingerprint.FingerprintPlan | None = field(default=None, init=False)
    _planned: bool = field(default=False, init=False)

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Return ``batch`` carrying the recipient's marks."""
        if not self._planned and batch.num_rows:
            self._planned = True
            self.plan = fingerprint.plan_extract(batch)
            if self.on_plan is not None:
                self.on_plan(sorted(self.plan.columns) if self.plan else [])
        if self.plan is None:
            return batch
        return fingerprint.embed_batch(batch, self.plan, key=self.key, recipient_id=self.code)

    def mark_all(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Mark every batch of a stream."""
        for batch in batches:
            yield self(batch)


@dataclass(frozen=True)
class LeakTrace:
    """What tracing found: the grant and recipient (or None), a confidence and the numbers."""

    found: bool
    confidence: float
    grant_id: int | None = None
    recipient_user_id: int | None = None
    recipient_username: str = ""
    recipient_organization_id: int | None = None
    extracts: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """Return a plain sentence for the people reading a leak report."""
        if not self.found:
            return "未发现指纹 (no fingerprint found)"
        return (
            f"指纹属于授权 {self.grant_id} 的接收人 {self.recipient_username} "
            f"(fingerprint of grant {self.grant_id}, recipient {self.recipient_username}; "
            f"confidence {self.confidence:.6f})"
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON shape printed by ``kaifang privacy trace --format json``."""
        return {
            "found": self.found,
            "message": self.message,
            "confidence": self.confidence,
            "grant_id": self.grant_id,
            "recipient": None
            if not self.found
            else {
                "user_id": self.recipient_user_id,
                "username": self.recipient_username,
                "organization_id": self.recipient_organization_id,
            },
            "extracts": self.extracts,
            "details": self.details,
        }


def trace_leak(
    session: Session, *, actor: Actor, table: pa.Table, keys: Sequence[bytes]
) -> LeakTrace:
    """Name the grant and recipient whose fingerprint ``table`` carries (audited), else not found."""
    best: tuple[fingerprint.TraceResult, bytes] | None = None
    tried = 0
    for key in keys:
        codes = _issued_codes(session, key_id(key))
        tried += len(codes)
        if not codes:
            continue
        result = fingerprint.detect(table, key=key, candidates=codes)
        if best is None or result.confidence > best[0].confidence:
            best = (result, key)
    trace = _describe(session, best, tried)
    audit_service.record(
        session,
        action="extract.trace",
        actor=actor,
        object_type="issued_extract",
        object_id=trace.extracts[0]["id"] if trace.extracts else "",
        outcome="success" if trace.found else "not_found",
        details={"grant_id": trace.grant_id, "confidence": trace.confidence, "candidates": tried},
    )
    return trace


def _issued_codes(session: Session, issued_key_id: str) -> list[int]:
    return list(
        session.scalars(
            select(IssuedExtract.recipient_code)
            .where(IssuedExtract.key_id == issued_key_id, IssuedExtract.marked.is_(True))
            .distinct()
        )
    )


def _describe(
    session: Session, best: tuple[fingerprint.TraceResult, bytes] | None, tried: int
) -> LeakTrace:
    if best is None:
        return LeakTrace(False, 0.0, details={"candidates": 0, "reason": "no marked extracts"})
    result, key = best
    details = {**result.details, "candidates": tried}
    if result.recipient_id is None:
        return LeakTrace(False, 0.0, details=details)
    extracts = session.scalars(
        select(IssuedExtract)
        .where(
            IssuedExtract.recipient_code == result.recipient_id,
            IssuedExtract.key_id == key_id(key),
        )
        .order_by(IssuedExtract.id)
    ).all()
    first = extracts[0]
    user = session.get(User, first.recipient_user_id)
    return LeakTrace(
        True,
        result.confidence,
        grant_id=first.grant_id,
        recipient_user_id=first.recipient_user_id,
        recipient_username=user.username if user else "",
        recipient_organization_id=first.recipient_organization_id,
        extracts=[_extract_out(e) for e in extracts],
        details=details,
    )


def _extract_out(extract: IssuedExtract) -> dict[str, Any]:
    return {
        "id": extract.id,
        "dataset_id": extract.dataset_id,
        "resource_id": extract.resource_id,
        "version": extract.version_number,
        "format": extract.format,
        "issued_at": extract.created_at.isoformat(),
    }
