"""showcase app screenshots

A showcase app may carry one screenshot: the blob key of its re-encoded WebP.

Revision ID: b8c0d2e40007
Revises: a7b9c1d30006
Create Date: 2026-12-08 10:12:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b8c0d2e40007"
down_revision = "a7b9c1d30006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("showcase_apps") as batch:
        batch.add_column(sa.Column("screenshot_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("showcase_apps") as batch:
        batch.drop_column("screenshot_key")
