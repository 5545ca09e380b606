"""Shared fixtures: a migrated database per backend (SQLite and PostgreSQL), each test in a
rolled-back transaction, the web app bound to that transaction, and factories."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kaifang import migrate
from kaifang.config import Settings
from kaifang.db import Database, make_engine
from kaifang.runtime import Runtime, build_runtime

PG_ADMIN_URL = os.environ.get(
    "KAIFANG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = [b for b in os.environ.get("KAIFANG_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def _worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def _engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    dbname = None
    if "sqlite" in BACKENDS:
        path = tmp_path_factory.mktemp("sqlite") / "test.db"
        engines["sqlite"] = make_engine(Settings(database_url=f"sqlite:///{path}", env="test"))
    if "postgresql" in BACKENDS and _pg_available():
        dbname = f"kaifang_test_{_worker_id()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname
        engines["postgresql"] = make_engine(Settings(database_url=url, env="test"))
    for engine in engines.values():
        migrate.upgrade(engine)
    yield engines
    for engine in engines.values():
        engine.dispose()
    if dbname:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, _engines: dict[str, Engine]) -> str:
    name = str(request.param)
    if name not in _engines:
        if os.environ.get("CI") and name == "postgresql":
            pytest.fail("PostgreSQL is required in CI but is not reachable")
        pytest.skip(f"{name} not available")
    return name


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path / "data",
        secret_key="test-secret-" + "x" * 32,
        queue_backend="memory",
        storage_backend="local",
        home_cache_seconds=0,  # pages show each test's own changes at once
        # The test database shares one connection per test: no background readers.
        search_cache_refresh_top=0,
    )


@pytest.fixture
def db(backend: str, _engines: dict[str, Engine]) -> Iterator[Database]:
    """A Database whose every unit of work is a savepoint inside one rolled-back transaction."""
    engine = _engines[backend]
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield Database(engine, bind=connection)
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    s = db.session(write=True)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def runtime(settings: Settings, db: Database) -> Runtime:
    return build_runtime(settings, db=db)


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    from kaifang.app import create_app
    from kaifang.composition import compose

    compose(runtime, embedded_worker=False)
    return create_app(runtime=runtime)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    # No lifespan: background threads must not share the test's transaction.
    return TestClient(app, raise_server_exceptions=False, base_url="http://testserver")
