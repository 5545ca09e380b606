"""Recording, sealing and verifying audit records. Services call ``record`` in their transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kaifang.audit.chain import GENESIS, record_hash
from kaifang.audit.context import AuditActor, current_origin
from kaifang.audit.models import AuditRecord

SEAL_BATCH = 2000


def record(
    session: Session,
    *,
    action: str,
    actor: AuditActor | None = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = "success",
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Add an audit record to the caller's transaction; it is sealed into the chain later."""
    origin = current_origin.get()
    row = AuditRecord(
        actor_id=actor.user_id if actor else None,
        actor_name=actor.username if actor else "",
        role=actor.role if actor else "anonymous",
        tenant=actor.tenant if actor else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        outcome=outcome,
        ip=origin.ip,
        request_id=origin.request_id,
        details=_scrub(details or {}),
    )
    session.add(row)
    return row


_SECRET_KEYS = ("password", "secret", "token", "key")


def _scrub(details: dict[str, Any]) -> dict[str, Any]:
    """Drop values whose names say they are secrets: the log must never hold them."""
    return {
        k: ("***" if any(s in k.lower() for s in _SECRET_KEYS) else v) for k, v in details.items()
    }


def _lock_chain(session: Session) -> None:
    # One sealer at a time; SQLite write transactions are already exclusive.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7270001)"))


def _chain_head(session: Session) -> tuple[int, str]:
    last = session.execute(
        select(AuditRecord.chain_seq, AuditRecord.hash)
        .where(AuditRecord.chain_seq.is_not(None))
        .order_by(AuditRecord.chain_seq.desc())
        .limit(1)
    ).first()
    return (int(last[0] or 0), str(last[1])) if last else (0, GENESIS)


def seal_pending(session: Session, *, algorithm: str = "sha256", anchor: Path | None = None) -> int:
    """Link unsealed records into the chain in id order; returns how many were sealed."""
    _lock_chain(session)
    seq, prev = _chain_head(session)
    pending = session.scalars(
        select(AuditRecord)
        .where(AuditRecord.chain_seq.is_(None))
        .order_by(AuditRecord.id)
        .limit(SEAL_BATCH)
    ).all()
    for row in pending:
        seq += 1
        row.chain_seq, row.prev_hash, row.algorithm = seq, prev, algorithm
        row.hash = prev = record_hash(row, algorithm, seq, prev)
    session.flush()
    if pending and anchor is not None:
        _write_anchor(anchor, seq, prev)
    return len(pending)


def _write_anchor(anchor: Path, seq: int, head: str) -> None:
    # The anchor outside the database lets verify notice records cut from the end of the chain.
    anchor.parent.mkdir(parents=True, exist_ok=True)
    tmp = anchor.with_suffix(".tmp")
    tmp.write_text(json.dumps({"seq": seq, "hash": head}))
    tmp.replace(anchor)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain verification; ``bad_seq`` names the first broken record."""

    ok: bool
    checked: int
    bad_seq: int | None = None
    bad_id: int | None = None
    reason: str = ""


def _iter_sealed(session: Session) -> Iterator[AuditRecord]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.chain_seq > last)
            .order_by(AuditRecord.chain_seq)
            .limit(5000)
        ).all()
        if not rows:
            return
        yield from rows
        last = int(rows[-1].chain_seq or 0)
        session.expunge_all()


def verify_chain(session: Session, *, anchor: Path | None = None) -> VerifyResult:
    """Recompute the chain; any edited, deleted, inserted or reordered record breaks it."""
    expected_seq, prev, checked = 1, GENESIS, 0
    for row in _iter_sealed(session):
        problem = _check_row(row, expected_seq, prev)
        if problem:
            return VerifyResult(False, checked, row.chain_seq, row.id, problem)
        prev, expected_seq, checked = str(row.hash), expected_seq + 1, checked + 1
    return _check_anchor(anchor, checked, prev)


def _check_row(row: AuditRecord, expected_seq: int, prev: str) -> str:
    if row.chain_seq != expected_seq:
        return f"sequence gap: expected {expected_seq}, found {row.chain_seq} (record deleted)"
    if row.prev_hash != prev:
        return "link to the previous record broken (record deleted, inserted or reordered)"
    if record_hash(row, row.algorithm or "sha256", expected_seq, prev) != row.hash:
        return "content does not match its hash (record edited)"
    return ""


def _check_anchor(anchor: Path | None, checked: int, head: str) -> VerifyResult:
    if anchor is None or not anchor.exists():
        return VerifyResult(True, checked)
    saved = json.loads(anchor.read_text())
    if int(saved["seq"]) > checked:
        return VerifyResult(
            False, checked, checked + 1, None, "records missing from the end of the chain"
        )
    return VerifyResult(True, checked)


def count_records(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0)


def list_records(
    session: Session, *, after_id: int | None = None, limit: int = 100, action: str | None = None
) -> list[AuditRecord]:
    """Newest first, keyset-paged by id."""
    stmt = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
    if after_id is not None:
        stmt = stmt.where(AuditRecord.id < after_id)
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    return list(session.scalars(stmt).all())
