"""Alembic environment: the URL and metadata come from Kaifang's settings and models."""

from __future__ import annotations

from alembic import context

from kaifang.db import Base
from kaifang.models import import_all_models
from kaifang.search.ddl import include_object

import_all_models()
config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `kaifang db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
