"""access: the day of an application's last deadline reminder

The daily access checks remind whoever must act on a due-soon application; recording the
China-local day of the reminder makes a second run on the same day remind no one.

Revision ID: c3d5e7f90002
Revises: b2c4d6e8f001
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c3d5e7f90002"
down_revision = "b2c4d6e8f001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_applications") as batch:
        batch.add_column(sa.Column("reminded_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_applications") as batch:
        batch.drop_column("reminded_on")
