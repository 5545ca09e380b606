"""Engines, sessions and the unit of work; the SQLite/PostgreSQL differences live here."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from kaifang.config import Settings
from kaifang.errors import Unavailable
from kaifang.events import EventBuffer

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow()")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front so two writers never deadlock on upgrade.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database with the right per-dialect options."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=False
        )
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


EventHandler = Callable[[Any], None]


def is_lock_error(exc: BaseException) -> bool:
    """True when the database refused a write because another writer holds the lock."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "could not serialize" in text or "deadlock" in text


@dataclass
class Database:
    """Engines and session factories for one database; owns units of work."""

    engine: Engine
    handlers: list[EventHandler] = field(default_factory=list)
    bind: Engine | Connection | None = None

    def __post_init__(self) -> None:
        bind = self.bind if self.bind is not None else self.engine
        join = {"join_transaction_mode": "create_savepoint"} if isinstance(bind, Connection) else {}
        self._read = sessionmaker(bind=bind, expire_on_commit=False, **join)  # type: ignore[call-overload]
        if isinstance(bind, Engine) and bind.dialect.name == "sqlite":
            write_bind: Engine | Connection = bind.execution_options(sqlite_begin="IMMEDIATE")
        else:
            write_bind = bind
        self._write = sessionmaker(bind=write_bind, expire_on_commit=False, **join)  # type: ignore[call-overload]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool = False) -> Session:
        """A new session; writes start with the write lock on SQLite."""
        session = (self._write if write else self._read)()
        session.info["events"] = EventBuffer()
        return session

    @contextmanager
    def unit_of_work(self, *, write: bool = True, retries: int = 3) -> Iterator[Session]:
        """Run a block in one transaction: commit on success, roll back on error, then dispatch events."""
        session = self.session(write=write)
        try:
            yield session
            self._commit_with_retry(session, retries)
        except OperationalError as exc:
            session.rollback()
            if is_lock_error(exc):
                raise Unavailable("数据库繁忙，请稍后重试 (database busy, retry later)") from None
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            events = session.info["events"].drain()
            session.close()
        self.dispatch(events)

    def _commit_with_retry(self, session: Session, retries: int) -> None:
        for attempt in range(retries):
            try:
                session.commit()
                return
            except OperationalError as exc:
                # A lock error while flushing (BEGIN IMMEDIATE waits there) leaves the session
                # rolled back: its work is gone and only the caller can redo it.
                if not is_lock_error(exc) or attempt == retries - 1 or not session.is_active:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def dispatch(self, events: list[Any]) -> None:
        for ev in events:
            for handler in self.handlers:
                handler(ev)


def withdraw_events(session: Session, kind: type) -> list[Any]:
    """Take back the not yet dispatched events of ``kind`` raised in this session."""
    buffer = session.info.get("events")
    return buffer.withdraw(kind) if buffer is not None else []


def raise_event(session: Session, event_obj: Any) -> None:
    """Queue an event to be dispatched after the session's transaction commits."""
    buffer = session.info.get("events")
    if buffer is None:
        buffer = session.info["events"] = EventBuffer()
    buffer.add(event_obj)
