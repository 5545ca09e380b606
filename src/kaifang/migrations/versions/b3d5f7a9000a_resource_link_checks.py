"""resource link checks

A resource that is a link (no loaded version, an http(s) URL) records the result of the last
check of that URL: ok, broken (with the reason) or unchecked (an address the platform may
not fetch), and when it was checked.

Revision ID: b3d5f7a9000a
Revises: a2c4e6f80009
Create Date: 2026-12-06 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kaifang.db import UTCDateTime

revision = "b3d5f7a9000a"
down_revision = "a2c4e6f80009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("link_status", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("link_detail", sa.String(length=300), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("link_checked_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.drop_column("link_checked_at")
        batch.drop_column("link_detail")
        batch.drop_column("link_status")
