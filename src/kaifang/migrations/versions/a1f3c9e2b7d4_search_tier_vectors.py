"""search: cumulative relevance-tier vectors

The relevance tiers used to be asked of several vectors at once (title, metadata, summary),
which let PostgreSQL test some of them row by row. Each tier now has one cumulative vector:
``head_tsv`` (title + metadata) and ``body_tsv`` (title + metadata + summary). On PostgreSQL
the new vectors are filled from the old ones (bare-lexeme vectors concatenate exactly); on
SQLite every vector column is NULL, the FTS5 table answers instead. The all-fields ``tsv``
that the match reads was missing from the initial revision and is added here too.

Revision ID: a1f3c9e2b7d4
Revises: 6c3d7d58582e
Create Date: 2026-12-06 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kaifang.search.ddl import ensure_schema

revision = "a1f3c9e2b7d4"
down_revision = "6c3d7d58582e"
branch_labels = None
depends_on = None

_VECTOR = postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite")
_EMPTY = "''::tsvector"


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table("search_entries") as batch_op:
        batch_op.add_column(sa.Column("tsv", _VECTOR, nullable=True))
        batch_op.add_column(sa.Column("head_tsv", _VECTOR, nullable=True))
        batch_op.add_column(sa.Column("body_tsv", _VECTOR, nullable=True))
    if _is_postgres():
        op.execute(
            "UPDATE search_entries SET "
            f"head_tsv = coalesce(title_tsv, {_EMPTY}) || coalesce(meta_tsv, {_EMPTY}), "
            f"body_tsv = coalesce(title_tsv, {_EMPTY}) || coalesce(meta_tsv, {_EMPTY})"
            f" || coalesce(summary_tsv, {_EMPTY}), "
            f"tsv = coalesce(title_tsv, {_EMPTY}) || coalesce(meta_tsv, {_EMPTY})"
            f" || coalesce(summary_tsv, {_EMPTY}) || coalesce(items_tsv, {_EMPTY}) "
            "WHERE title_tsv IS NOT NULL"
        )
    with op.batch_alter_table("search_entries") as batch_op:
        batch_op.drop_index("ix_search_entries_meta_tsv", postgresql_using="gin")
        batch_op.drop_index("ix_search_entries_summary_tsv", postgresql_using="gin")
        batch_op.drop_column("meta_tsv")
        batch_op.drop_column("summary_tsv")
        batch_op.create_index(
            "ix_search_entries_tsv", ["tsv"], unique=False, postgresql_using="gin"
        )
        batch_op.create_index(
            "ix_search_entries_head_tsv", ["head_tsv"], unique=False, postgresql_using="gin"
        )
        batch_op.create_index(
            "ix_search_entries_body_tsv", ["body_tsv"], unique=False, postgresql_using="gin"
        )
    ensure_schema(op.get_bind())


def downgrade() -> None:
    # The per-field vectors cannot be split back out of the cumulative ones: they come back
    # empty and `kaifang search reindex` fills them.
    with op.batch_alter_table("search_entries") as batch_op:
        batch_op.drop_index("ix_search_entries_tsv", postgresql_using="gin")
        batch_op.drop_index("ix_search_entries_head_tsv", postgresql_using="gin")
        batch_op.drop_index("ix_search_entries_body_tsv", postgresql_using="gin")
        batch_op.drop_column("tsv")
        batch_op.drop_column("head_tsv")
        batch_op.drop_column("body_tsv")
        batch_op.add_column(sa.Column("meta_tsv", _VECTOR, nullable=True))
        batch_op.add_column(sa.Column("summary_tsv", _VECTOR, nullable=True))
        batch_op.create_index(
            "ix_search_entries_meta_tsv", ["meta_tsv"], unique=False, postgresql_using="gin"
        )
        batch_op.create_index(
            "ix_search_entries_summary_tsv", ["summary_tsv"], unique=False, postgresql_using="gin"
        )
