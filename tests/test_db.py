"""SQLite concurrency: a writer that cannot get the lock gets a clean Unavailable (503), not a 500."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from kaifang.auth.models import Region
from kaifang.config import Settings
from kaifang.db import Base, Database, make_engine
from kaifang.errors import Unavailable


def test_locked_sqlite_write_becomes_unavailable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, sqlite_busy_timeout_ms=50)
    db = Database(make_engine(settings))
    with db.unit_of_work() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = sqlite3.connect(tmp_path / "kaifang.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Unavailable) as exc, db.unit_of_work() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
        assert exc.value.retry_after >= 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with db.unit_of_work() as session:
        session.execute(text("INSERT INTO t VALUES (2)"))
    with db.unit_of_work(write=False) as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_a_lock_met_while_flushing_at_commit_is_unavailable_too(tmp_path: Path) -> None:
    """Objects only added (not flushed) reach BEGIN IMMEDIATE inside commit: still a 503."""
    settings = Settings(data_dir=tmp_path, sqlite_busy_timeout_ms=50)
    db = Database(make_engine(settings))
    with db.unit_of_work() as session:
        Base.metadata.create_all(session.connection(), tables=[Region.__table__])
    holder = sqlite3.connect(tmp_path / "kaifang.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Unavailable), db.unit_of_work() as session:
            session.add(Region(code="3310", name="台州市", level=2))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Region)) == 0
