"""access: issued extracts (which grant and recipient each fingerprinted extract went to)

Revision ID: b2c4d6e8f001
Revises: d4e6f8a10003
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kaifang.db

revision = "b2c4d6e8f001"
down_revision = "d4e6f8a10003"
branch_labels = None
depends_on = None

_TABLE = "access_issued_extracts"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("recipient_user_id", sa.Integer(), nullable=False),
        sa.Column("recipient_organization_id", sa.Integer(), nullable=True),
        sa.Column("recipient_code", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("marked", sa.Boolean(), nullable=False),
        sa.Column("marked_columns", sa.JSON(), nullable=False),
        sa.Column("created_at", kaifang.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_access_issued_extracts_dataset_id_datasets"),
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["access_grants.id"],
            name=op.f("fk_access_issued_extracts_grant_id_access_grants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_user_id"],
            ["users.id"],
            name=op.f("fk_access_issued_extracts_recipient_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_issued_extracts")),
    )
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        for column in ("dataset_id", "grant_id", "recipient_code", "recipient_user_id"):
            batch_op.create_index(batch_op.f(f"ix_{_TABLE}_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        for column in ("dataset_id", "grant_id", "recipient_code", "recipient_user_id"):
            batch_op.drop_index(batch_op.f(f"ix_{_TABLE}_{column}"))
    op.drop_table(_TABLE)
