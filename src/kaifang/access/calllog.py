"""Data-API call logs: buffered in process and written in batches by a background thread.

One committed row per call would cap the API at a few hundred requests a second on SQLite
(see the security notes), so requests only append to a buffer; a thread flushes it every
``interval`` seconds or as soon as ``max_batch`` records wait, in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kaifang.access.models import CallLog
from kaifang.auth.actor import Actor
from kaifang.auth.policy import Target
from kaifang.auth.service import authorize, get_organization
from kaifang.db import Database, utcnow
from kaifang.runtime import Runtime

log = logging.getLogger("kaifang.access.calllog")
Scope = Literal["mine", "organization", "all"]


@dataclass(frozen=True)
class CallRecord:
    """One served (or refused) data-API call."""

    dataset_id: int | None
    status: int
    user_id: int | None = None
    key_id: int | None = None
    organization_id: int | None = None
    region_code: str = ""
    grant_id: int | None = None
    items: tuple[str, ...] = ()
    rows: int = 0
    latency_ms: int = 0
    channel: str = "api"
    ip: str = ""
    created_at: dt.datetime = field(default_factory=utcnow)


class CallLogBuffer:
    """Collects call records and writes them in batches; ``flush`` writes synchronously."""

    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = 500,
        interval: float = 1.0,
        max_pending: int = 100_000,
    ) -> None:
        self._db = db
        self.max_batch = max_batch
        self.interval = interval
        self.max_pending = max_pending
        self.dropped = 0
        self._pending: list[CallRecord] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, record: CallRecord) -> None:
        """Queue a record; never blocks on the database."""
        with self._lock:
            if len(self._pending) >= self.max_pending:
                # The database has been unreachable for long: keep the newest records.
                self._pending.pop(0)
                self.dropped += 1
            self._pending.append(record)
            full = len(self._pending) >= self.max_batch
        if full:
            self._wake.set()

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self) -> int:
        """Write every queued record in one transaction; returns how many were written."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                with self._db.unit_of_work() as session:
                    session.execute(insert(CallLog), [dataclasses.asdict(r) for r in batch])
            except Exception:
                log.exception("call log flush failed; %d records kept for retry", len(batch))
                with self._lock:
                    self._pending[:0] = batch
                return 0
            return len(batch)

    def start(self) -> None:
        """Start the background writer (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kaifang-calllog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the writer and write what is left."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()


def install_call_log(runtime: Runtime) -> CallLogBuffer:
    """The runtime's one buffer, created on first use and started and stopped with the process."""
    buffer: CallLogBuffer | None = runtime.extras.get("access_call_log")
    if buffer is None:
        buffer = CallLogBuffer(runtime.db)
        runtime.extras["access_call_log"] = buffer
        runtime.extras.setdefault("on_start", []).append(buffer.start)
        runtime.extras.setdefault("on_stop", []).append(buffer.stop)
    return buffer


def list_call_logs(
    session: Session,
    *,
    actor: Actor,
    scope: Scope = "mine",
    organization_id: int | None = None,
    dataset_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[CallLog]:
    """Calls the actor may see: their own, to an organization's data, or all (auditors)."""
    stmt = select(CallLog).order_by(CallLog.id.desc()).limit(limit)
    if scope == "mine":
        authorize(actor, "calllog.read_own")
        stmt = stmt.where(CallLog.user_id == actor.user_id)
    elif scope == "organization":
        org = organization_id if organization_id is not None else actor.organization_id
        authorize(actor, "calllog.read_org", _org_target(session, org))
        stmt = stmt.where(CallLog.organization_id == org)
    else:
        authorize(
            actor,
            "calllog.read_all",
            Target(region_code=actor.region_scope) if actor.region_scope else None,
        )
        if actor.region_scope:
            stmt = stmt.where(CallLog.region_code.startswith(actor.region_scope))
    if dataset_id is not None:
        stmt = stmt.where(CallLog.dataset_id == dataset_id)
    if before_id is not None:
        stmt = stmt.where(CallLog.id < before_id)
    return list(session.scalars(stmt).all())


def _org_target(session: Session, organization_id: int | None) -> Target | None:
    if organization_id is None:
        return None
    org = get_organization(session, organization_id)
    return Target(organization_id=org.id, region_code=org.region_code)
