"""Governance tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kaifang.auth.models import Organization
from kaifang.db import Base, UTCDateTime, utcnow


class BaselineFigure(Base):
    """An organization's open-data figures for a past year (the baseline of the next plan)."""

    __tablename__ = "baseline_figures"
    __table_args__ = (UniqueConstraint("organization_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    datasets: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(200), default="")


class OpenList(Base):
    """One organization's open list (开放清单) for a plan year, with its approval state."""

    __tablename__ = "open_lists"
    __table_args__ = (UniqueConstraint("organization_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    source_name: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approved_by: Mapped[int | None] = mapped_column(Integer, nullable=True)

    organization: Mapped[Organization] = relationship(lazy="joined")
    rows: Mapped[list[OpenListRow]] = relationship(
        back_populates="open_list", order_by="OpenListRow.position", cascade="all, delete-orphan"
    )


class OpenListRow(Base):
    """One dataset the organization promises to open, with its items and planned month."""

    __tablename__ = "open_list_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    open_list_id: Mapped[int] = mapped_column(
        ForeignKey("open_lists.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    domain: Mapped[str] = mapped_column(String(60), default="")
    dataset_name: Mapped[str] = mapped_column(String(200))
    catalog_code: Mapped[str] = mapped_column(String(40), default="")
    unconditional_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    conditional_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    planned_month: Mapped[str] = mapped_column(String(7))
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    match_method: Mapped[str] = mapped_column(String(20), default="")
    link_confirmed: Mapped[bool] = mapped_column(default=False)

    open_list: Mapped[OpenList] = relationship(back_populates="rows")


class PlanSetting(Base):
    """Milestones and targets of one plan year, overriding the defaults of the 2021 plan."""

    __tablename__ = "plan_settings"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReadinessValue(Base):
    """An admin-entered readiness (准备度) score for an organization or region, with evidence."""

    __tablename__ = "readiness_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(30), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), nullable=True, index=True
    )
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)
    value: Mapped[float] = mapped_column(Float)
    evidence_url: Mapped[str] = mapped_column(String(2000), default="")
    note: Mapped[str] = mapped_column(String(1000), default="")
    entered_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndexSnapshot(Base):
    """One computation of the open index (开放指数); snapshots are kept as history."""

    __tablename__ = "index_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Computed by the demo loader over demo data: shown as such wherever the snapshot is.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())


class UsageEvent(Base):
    """One page view, download or data-API call of a dataset, written in batches.

    ``user_key`` identifies a distinct user without storing who they are: ``u:<user id>``,
    ``k:<API key id>`` or ``a:<hash of address and browser>`` for anonymous visitors.
    """

    __tablename__ = "usage_events"
    __table_args__ = (
        Index("ix_usage_events_day_dataset", "day", "dataset_id"),
        Index("ix_usage_events_day_organization", "day", "organization_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    dataset_id: Mapped[int] = mapped_column(Integer)
    organization_id: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(12), default="")
    user_key: Mapped[str] = mapped_column(String(40), default="")
    day: Mapped[dt.date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoredReport(Base):
    """A generated operations report kept in the blob store, listed with its generation time."""

    __tablename__ = "stored_reports"
    __table_args__ = (Index("ix_stored_reports_period_scope", "period", "scope_key", "format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10))
    scope_key: Mapped[str] = mapped_column(String(40))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), nullable=True, index=True
    )
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    format: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(320))
    media_type: Mapped[str] = mapped_column(String(100))
    blob_key: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(20), default="on_demand")
    generated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
