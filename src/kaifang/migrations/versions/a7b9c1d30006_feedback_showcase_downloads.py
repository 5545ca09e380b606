"""feedback work orders, showcase apps, user downloads

Feedback work orders (error reports, questions, data requests, complaints) with their
timeline; showcase apps with the datasets they use; the downloads of signed-in users.

Revision ID: a7b9c1d30006
Revises: f6a8b0c20005
Create Date: 2026-12-06 14:31:27.012048
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kaifang.db

revision = "a7b9c1d30006"
down_revision = "f6a8b0c20005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_work_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("submitter_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("created_at", kaifang.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_at", kaifang.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", kaifang.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", kaifang.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_feedback_work_orders_dataset_id_datasets"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_feedback_work_orders_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["submitter_id"], ["users.id"], name=op.f("fk_feedback_work_orders_submitter_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_work_orders")),
    )
    with op.batch_alter_table("feedback_work_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_work_orders_dataset_id"), ["dataset_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_feedback_work_orders_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_feedback_work_orders_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_feedback_work_orders_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_feedback_work_orders_submitter_id"), ["submitter_id"], unique=False
        )

    op.create_table(
        "showcase_apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("featured", sa.Boolean(), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=False),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", kaifang.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", kaifang.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["submitter_id"], ["users.id"], name=op.f("fk_showcase_apps_submitter_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_showcase_apps")),
    )
    with op.batch_alter_table("showcase_apps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_showcase_apps_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_showcase_apps_submitter_id"), ["submitter_id"], unique=False
        )

    op.create_table(
        "user_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("fmt", sa.String(length=20), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", kaifang.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_user_downloads_dataset_id_datasets")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_downloads_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_downloads")),
    )
    with op.batch_alter_table("user_downloads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_downloads_dataset_id"), ["dataset_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_user_downloads_user_id"), ["user_id"], unique=False)

    op.create_table(
        "feedback_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", kaifang.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["feedback_work_orders.id"],
            name=op.f("fk_feedback_events_work_order_id_feedback_work_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_events")),
    )
    with op.batch_alter_table("feedback_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_events_work_order_id"), ["work_order_id"], unique=False
        )

    op.create_table(
        "showcase_app_datasets",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["showcase_apps.id"],
            name=op.f("fk_showcase_app_datasets_app_id_showcase_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_showcase_app_datasets_dataset_id_datasets"),
        ),
        sa.PrimaryKeyConstraint("app_id", "dataset_id", name=op.f("pk_showcase_app_datasets")),
    )
    with op.batch_alter_table("showcase_app_datasets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_showcase_app_datasets_dataset_id"), ["dataset_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("showcase_app_datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_showcase_app_datasets_dataset_id"))

    op.drop_table("showcase_app_datasets")
    with op.batch_alter_table("feedback_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_events_work_order_id"))

    op.drop_table("feedback_events")
    with op.batch_alter_table("user_downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_downloads_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_downloads_dataset_id"))

    op.drop_table("user_downloads")
    with op.batch_alter_table("showcase_apps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_showcase_apps_submitter_id"))
        batch_op.drop_index(batch_op.f("ix_showcase_apps_status"))

    op.drop_table("showcase_apps")
    with op.batch_alter_table("feedback_work_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_work_orders_submitter_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_work_orders_status"))
        batch_op.drop_index(batch_op.f("ix_feedback_work_orders_organization_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_work_orders_kind"))
        batch_op.drop_index(batch_op.f("ix_feedback_work_orders_dataset_id"))

    op.drop_table("feedback_work_orders")
