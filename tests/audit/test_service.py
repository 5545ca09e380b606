from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.audit.models import AuditRecord
from kaifang.auth.actor import Actor

ACTOR = Actor(user_id=1, username="officer", role="officer", organization_id=3)


def _write(session: Session, n: int, algorithm: str = "sha256", anchor: Path | None = None) -> None:
    for i in range(n):
        audit_service.record(
            session,
            action="dataset.update",
            actor=ACTOR,
            object_type="dataset",
            object_id=i,
            details={"field": "title", "password": "hunter2"},
        )
    session.flush()
    audit_service.seal_pending(session, algorithm=algorithm, anchor=anchor)


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_intact_chain_verifies(session: Session, algorithm: str) -> None:
    _write(session, 20, algorithm)
    result = audit_service.verify_chain(session)
    assert result.ok and result.checked == 20


def test_secrets_never_reach_the_log(session: Session) -> None:
    _write(session, 1)
    row = session.scalars(select(AuditRecord)).first()
    assert row is not None and row.details["password"] == "***"


def _nth(session: Session, seq: int) -> AuditRecord:
    return session.scalars(select(AuditRecord).where(AuditRecord.chain_seq == seq)).one()


def test_edited_record_detected(session: Session) -> None:
    _write(session, 10)
    session.execute(
        update(AuditRecord).where(AuditRecord.id == _nth(session, 4).id).values(outcome="denied")
    )
    session.expire_all()
    result = audit_service.verify_chain(session)
    assert not result.ok and result.bad_seq == 4 and "edited" in result.reason


def test_deleted_record_detected(session: Session) -> None:
    _write(session, 10)
    session.execute(delete(AuditRecord).where(AuditRecord.id == _nth(session, 6).id))
    session.expire_all()
    result = audit_service.verify_chain(session)
    assert not result.ok and result.bad_seq == 7


def test_reordered_records_detected(session: Session) -> None:
    _write(session, 10)
    a, b = _nth(session, 3), _nth(session, 5)
    a_id, b_id = a.id, b.id
    session.execute(update(AuditRecord).where(AuditRecord.id == a_id).values(chain_seq=-1))
    session.execute(update(AuditRecord).where(AuditRecord.id == b_id).values(chain_seq=3))
    session.execute(update(AuditRecord).where(AuditRecord.id == a_id).values(chain_seq=5))
    session.expire_all()
    result = audit_service.verify_chain(session)
    assert not result.ok and result.bad_seq == 3


def test_inserted_record_detected(session: Session) -> None:
    _write(session, 5)
    forged = AuditRecord(
        action="dataset.publish",
        actor_name="mallory",
        chain_seq=6,
        prev_hash=_nth(session, 5).hash,
        hash="f" * 64,
        algorithm="sha256",
    )
    session.add(forged)
    session.flush()
    result = audit_service.verify_chain(session)
    assert not result.ok and result.bad_seq == 6


def test_truncated_tail_detected_with_anchor(session: Session, tmp_path: Path) -> None:
    anchor = tmp_path / "anchor.json"
    _write(session, 8, anchor=anchor)
    session.execute(delete(AuditRecord).where(AuditRecord.chain_seq >= 7))
    session.expire_all()
    result = audit_service.verify_chain(session, anchor=anchor)
    assert not result.ok and "missing" in result.reason
