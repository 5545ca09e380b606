"""review chain per organization

An organization may choose its own review chain for conditional-open applications (its
officer decides, or the bureau decides after its review); an application keeps the chain in
force when it was submitted. NULL means the platform's setting.

Revision ID: a2c4e6f80009
Revises: f9c1e3a50008
Create Date: 2026-12-06 20:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a2c4e6f80009"
down_revision = "f9c1e3a50008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("review_chain", sa.String(length=40), nullable=True))
    with op.batch_alter_table("access_applications") as batch:
        batch.add_column(sa.Column("review_chain", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_applications") as batch:
        batch.drop_column("review_chain")
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("review_chain")
