"""Dialect-specific search DDL that SQLAlchemy metadata cannot express.

On SQLite, the FTS5 table; on PostgreSQL, storage settings that keep the text vectors out
of line so ``search_entries`` stays narrow (GIN matching needs no recheck, so matching,
counting and sorting never read the vectors themselves). Migrations call
:func:`ensure_schema` after creating the ``search_*`` tables; Alembic's autogenerate should
pass :func:`include_object` so it never proposes dropping the FTS5 table or its shadow
tables.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Connection

FTS_TABLE = "search_fts"
# The fields of a document, from most to least telling; column filters name them.
FTS_COLUMNS = ("title", "meta", "summary", "items")
_FTS_SHADOWS = ("data", "idx", "content", "docsize", "config")

_CREATE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    + ", ".join(FTS_COLUMNS)
    + ", tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2')"
)


_ENTRY_COLUMNS = (
    "SELECT column_name, data_type FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = 'search_entries' "
    "ORDER BY column_name"
)
# Facet set strings are grouped on by every count: never compressed (decompressing them
# made a GROUP BY ten times slower once the small toast target below pressed on the row).
_PLAIN_COLUMNS = ("domain_set", "format_set")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def ensure_schema(connection: Connection) -> None:
    """Create the dialect-specific search structures if missing; safe to run repeatedly."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(_CREATE_FTS)
    elif connection.dialect.name == "postgresql":
        _set_entry_storage(connection)


def _set_entry_storage(connection: Connection) -> None:
    """Vectors out of line, facet sets inline and uncompressed (for the columns that exist)."""
    columns = [
        (name, kind)
        for name, kind in connection.exec_driver_sql(_ENTRY_COLUMNS)
        if _IDENTIFIER.match(name)
    ]
    clauses = [f"ALTER COLUMN {n} SET STORAGE EXTERNAL" for n, k in columns if k == "tsvector"]
    clauses += [f"ALTER COLUMN {n} SET STORAGE PLAIN" for n, _ in columns if n in _PLAIN_COLUMNS]
    if clauses:
        connection.exec_driver_sql(
            "ALTER TABLE search_entries " + ", ".join([*clauses, "SET (toast_tuple_target = 128)"])
        )


def drop_schema(connection: Connection) -> None:
    """Drop what :func:`ensure_schema` created (for a migration's downgrade)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def is_fts_table(name: str | None) -> bool:
    """True for the FTS5 table and the shadow tables SQLite keeps for it."""
    return name == FTS_TABLE or any(name == f"{FTS_TABLE}_{s}" for s in _FTS_SHADOWS)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: leave the FTS5 tables out of autogenerate."""
    return not (type_ == "table" and is_fts_table(name))
