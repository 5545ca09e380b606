"""search: the index's change token, for search result caches

Every write to the search index sets a new random token in ``search_state``; web processes
key their cache of recent public search results on it, so a cached result is never served
after the catalogue changed.

Revision ID: e8b0d2f40007
Revises: b8c0d2e40007
Create Date: 2026-12-06 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e8b0d2f40007"
down_revision = "b8c0d2e40007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    state = op.create_table(
        "search_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_state")),
    )
    op.bulk_insert(state, [{"id": 1, "token": "initial"}])


def downgrade() -> None:
    op.drop_table("search_state")
