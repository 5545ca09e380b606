"""Fresh benchmark databases (a SQLite file, a throw-away PostgreSQL database) and bulk loading."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kaifang import migrate
from kaifang.auth.models import Organization, Region
from kaifang.catalog.models import Dataset
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.config import Settings
from kaifang.db import Base, make_engine
from kaifang.search.ddl import drop_schema, ensure_schema
from kaifang.search.models import SEARCH_TABLES

from . import corpus

PG_ADMIN_URL = os.environ.get(
    "KAIFANG_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CHUNK = 5_000
ITEM_COLUMNS = (
    "dataset_id",
    "position",
    "label",
    "name",
    "data_type",
    "description",
    "open_attribute",
    "grade",
)


def sqlite_engine(path: Path) -> Engine:
    """A fresh SQLite database file at ``path`` (any old one is removed)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return make_engine(Settings(database_url=f"sqlite:///{path}", env="test"))


@contextlib.contextmanager
def postgres_engine(name: str) -> Iterator[Engine]:
    """A throw-away PostgreSQL database, dropped on exit."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(
        Settings(database_url=PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, env="test")
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def create_schema(engine: Engine) -> None:
    """The migrated schema, with the search tables as the models define them now."""
    migrate.upgrade(engine)
    with engine.begin() as conn:
        # The generated migration may lag behind the search models; the models win here.
        drop_schema(conn)
        Base.metadata.drop_all(bind=conn, tables=list(SEARCH_TABLES))
        Base.metadata.create_all(bind=conn, tables=list(SEARCH_TABLES))
        ensure_schema(conn)


def load_catalogue(engine: Engine, n: int) -> int:
    """Insert regions, organizations, vocabularies, ``n`` datasets and their items; item count."""
    orgs = corpus.organizations()
    with Session(engine) as session:
        seed_vocabularies(session)
        session.execute(
            insert(Region),
            [
                {"code": c, "name": name, "parent_code": None, "level": 2}
                for c, name in [corpus.CITY]
            ]
            + [
                {"code": c, "name": name, "parent_code": corpus.CITY[0], "level": 3}
                for c, name in corpus.COUNTIES
            ],
        )
        session.execute(
            insert(Organization),
            [
                {"id": o.id, "name": o.name, "slug": o.slug, "region_code": o.region_code}
                for o in orgs
            ],
        )
        session.commit()
    items = 0
    rows = corpus.datasets(n, orgs)
    while chunk := list(itertools.islice(rows, CHUNK)):
        items += _insert_chunk(engine, chunk)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT setval('datasets_id_seq', (SELECT max(id) FROM datasets))"))
    return items


def _insert_chunk(engine: Engine, chunk: list[dict[str, Any]]) -> int:
    item_rows = [
        {
            "dataset_id": row["id"],
            "data_type": "text",
            "description": "",
            "open_attribute": "unconditional",
            "grade": "L1",
            **item,
        }
        for row in chunk
        for item in row["items"]
    ]
    datasets = [{k: v for k, v in row.items() if k != "items"} for row in chunk]
    with engine.begin() as conn:
        conn.execute(insert(Dataset), datasets)
        if engine.dialect.name == "postgresql":
            _copy_items(conn, item_rows)
        else:
            conn.execute(
                text(
                    f"INSERT INTO data_items ({', '.join(ITEM_COLUMNS)}) "
                    f"VALUES ({', '.join(':' + c for c in ITEM_COLUMNS)})"
                ),
                item_rows,
            )
    return len(item_rows)


def _copy_items(conn: Any, rows: list[dict[str, Any]]) -> None:
    """COPY the data items (ten times faster than multi-row INSERT on PostgreSQL)."""
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY data_items ({', '.join(ITEM_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in ITEM_COLUMNS])


def maintain(engine: Engine) -> None:
    """What a deployment does after a bulk load: statistics, vacuum, FTS5 segment merging."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
            conn.execute(text("ANALYZE"))
        return
    # What autovacuum does after a bulk insert: statistics and the visibility map, which
    # index-only scans (facet counts of the whole catalogue) depend on.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def index_size(engine: Engine) -> str:
    """A human-readable size of the search structures."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            path = Path(str(engine.url.database))
            return f"database file {path.stat().st_size / 2**20:.0f} MiB (all tables)"
        sizes = {
            t: conn.execute(text("SELECT pg_total_relation_size(:t)"), {"t": t}).scalar_one()
            for t in ("search_entries", "search_facets", "search_suggestions")
        }
    return ", ".join(f"{t} {s / 2**20:.0f} MiB" for t, s in sizes.items())
