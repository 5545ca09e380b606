"""The migrated schema is exactly what the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from kaifang.db import Base
from kaifang.models import import_all_models
from kaifang.search.ddl import include_object


def test_migrations_match_the_models(backend: str, _engines: dict[str, Engine]) -> None:
    import_all_models()
    with _engines[backend].connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "models changed without a migration: add an Alembic revision"
