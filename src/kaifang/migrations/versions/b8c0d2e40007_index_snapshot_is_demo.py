"""index snapshots: demo flag

A snapshot computed by ``kaifang demo load`` is marked as demo data, so the public ranking
and the dashboards can say so.

Revision ID: b8c0d2e40007
Revises: a7b9c1d30006
Create Date: 2026-12-06 17:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b8c0d2e40007"
down_revision = "a7b9c1d30006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("index_snapshots") as batch_op:
        batch_op.add_column(
            sa.Column("is_demo", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("index_snapshots") as batch_op:
        batch_op.drop_column("is_demo")
