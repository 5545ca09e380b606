"""Hashing of audit records into a chain (SHA-256 or SM3)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import hashes

from kaifang.audit.models import AuditRecord

GENESIS = "0" * 64


def digest(algorithm: str, data: bytes) -> str:
    """Hex digest of ``data`` with SHA-256 or SM3 (GB/T 32905)."""
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    if algorithm == "sm3":
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()
    raise ValueError(f"unknown audit hash algorithm {algorithm!r}")


def canonical(record: AuditRecord, chain_seq: int, prev_hash: str) -> bytes:
    """The bytes a record's hash covers: every field that tells what happened, plus the link."""
    body: dict[str, Any] = {
        "seq": chain_seq,
        "prev": prev_hash,
        "id": record.id,
        "at": record.created_at.isoformat(timespec="microseconds"),
        "actor_id": record.actor_id,
        "actor": record.actor_name,
        "role": record.role,
        "tenant": record.tenant,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "outcome": record.outcome,
        "ip": record.ip,
        "request_id": record.request_id,
        "details": record.details or {},
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def record_hash(record: AuditRecord, algorithm: str, chain_seq: int, prev_hash: str) -> str:
    return digest(algorithm, canonical(record, chain_seq, prev_hash))
