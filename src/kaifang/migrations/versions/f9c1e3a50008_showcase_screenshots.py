"""showcase app screenshots

A showcase app may carry one screenshot: the blob key of its re-encoded WebP.

Revision ID: f9c1e3a50008
Revises: e8b0d2f40007
Create Date: 2026-12-08 10:12:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f9c1e3a50008"
down_revision = "e8b0d2f40007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("showcase_apps") as batch:
        batch.add_column(sa.Column("screenshot_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("showcase_apps") as batch:
        batch.drop_column("screenshot_key")
