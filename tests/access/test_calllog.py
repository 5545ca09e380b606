"""Call logs: batched writes off the request path, and who may read which calls."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.access import service
from kaifang.access.calllog import CallLogBuffer, CallRecord
from kaifang.access.models import ACCESS_TABLES, CallLog
from kaifang.auth.actor import ANONYMOUS
from kaifang.config import Settings
from kaifang.db import Base, Database, make_engine
from kaifang.errors import NotAuthenticated, PermissionDenied
from tests.access.conftest import World


def _record(world: World, user_id: int | None, **kw: object) -> CallRecord:
    fields: dict[str, object] = {
        "dataset_id": world.dataset.id,
        "status": 200,
        "user_id": user_id,
        "organization_id": world.provider.id,
        "region_code": world.provider.region_code,
        "rows": 5,
        "items": ("line_name", "vin"),
        "latency_ms": 12,
    }
    fields.update(kw)
    return CallRecord(**fields)  # type: ignore[arg-type]


def test_buffer_writes_in_one_batch_on_flush(session: Session, world: World, db: Database) -> None:
    buffer = CallLogBuffer(db, max_batch=1000)
    for _ in range(5):
        buffer.add(_record(world, world.applicant.user_id))
    assert buffer.pending() == 5
    assert session.scalar(select(func.count()).select_from(CallLog)) == 0
    assert buffer.flush() == 5 and buffer.pending() == 0
    assert buffer.flush() == 0
    assert session.scalar(select(func.count()).select_from(CallLog)) == 5


def test_visibility_own_provider_auditor(session: Session, world: World, db: Database) -> None:
    buffer = CallLogBuffer(db)
    buffer.add(_record(world, world.applicant.user_id))
    buffer.add(_record(world, world.stranger.user_id, organization_id=world.other_org.id))
    buffer.flush()
    mine = service.list_call_logs(session, actor=world.applicant, scope="mine")
    assert [c.user_id for c in mine] == [world.applicant.user_id]
    assert mine[0].items == ["line_name", "vin"]
    provider = service.list_call_logs(session, actor=world.officer, scope="organization")
    assert [c.user_id for c in provider] == [world.applicant.user_id]
    assert len(service.list_call_logs(session, actor=world.auditor, scope="all")) == 2
    assert (
        len(
            service.list_call_logs(
                session,
                actor=world.reviewer,
                scope="organization",
                organization_id=world.other_org.id,
            )
        )
        == 1
    )
    with pytest.raises(PermissionDenied):
        service.list_call_logs(session, actor=world.applicant, scope="all")
    with pytest.raises(PermissionDenied):
        service.list_call_logs(
            session,
            actor=world.other_officer,
            scope="organization",
            organization_id=world.provider.id,
        )
    with pytest.raises(NotAuthenticated):
        service.list_call_logs(session, actor=ANONYMOUS, scope="mine")


@pytest.fixture
def file_db(tmp_path: Path) -> Iterator[Database]:
    """A database of its own: the background thread commits for real."""
    engine = make_engine(Settings(env="test", data_dir=tmp_path))
    Base.metadata.create_all(
        engine, tables=[t for t in ACCESS_TABLES if t.name == "access_call_logs"]
    )
    yield Database(engine)
    engine.dispose()


def _count(db: Database) -> int:
    with db.unit_of_work(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(CallLog)) or 0)


def test_background_thread_flushes_by_size_and_by_time(file_db: Database) -> None:
    buffer = CallLogBuffer(file_db, max_batch=10, interval=0.2)
    buffer.start()
    try:
        for _ in range(10):
            buffer.add(CallRecord(dataset_id=1, status=200))
        deadline = time.monotonic() + 5
        while _count(file_db) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _count(file_db) == 10
        buffer.add(CallRecord(dataset_id=1, status=403))
        deadline = time.monotonic() + 5
        while _count(file_db) < 11 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _count(file_db) == 11
    finally:
        buffer.add(CallRecord(dataset_id=2, status=200))
        buffer.stop()
    assert _count(file_db) == 12


def test_failed_flush_keeps_records_and_bounds_memory(tmp_path: Path) -> None:
    engine = make_engine(Settings(env="test", data_dir=tmp_path))  # no tables: writes fail
    buffer = CallLogBuffer(Database(engine), max_pending=3)
    for n in range(5):
        buffer.add(CallRecord(dataset_id=n, status=200))
    assert buffer.dropped == 2
    assert buffer.flush() == 0 and buffer.pending() == 3
    engine.dispose()
