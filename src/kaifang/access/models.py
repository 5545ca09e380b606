"""Tables of conditional opening: agreements, applications, grants, reports, keys, call logs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kaifang.db import Base, UTCDateTime, utcnow

APPLICATION_STATES = (
    "draft",
    "submitted",
    "accepted",
    "returned",
    "under_review",
    "approved",
    "rejected",
    "active",
    "expired",
    "revoked",
    "withdrawn",
)
GRANT_STATES = ("active", "suspended", "revoked", "expired")
CHANNELS = ("api", "extract", "sandbox")


class Agreement(Base):
    """One version of the data-use agreement and security commitment (开放协议 / 安全承诺)."""

    __tablename__ = "access_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    agreement_text: Mapped[str] = mapped_column(Text)
    commitment_text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Application(Base):
    """A conditional-open application (受限开放申请) to one provider organization."""

    __tablename__ = "access_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    applicant_organization_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    account_kind: Mapped[str] = mapped_column(String(20), default="individual")
    company_uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    scenario: Mapped[str] = mapped_column(Text, default="")
    expected_results: Mapped[str] = mapped_column(Text, default="")
    target_system: Mapped[str] = mapped_column(String(300), default="")
    channel: Mapped[str] = mapped_column(String(20), default="api")
    period_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    period_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    security_measures: Mapped[str] = mapped_column(Text, default="")
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_agreements.id"), nullable=True
    )
    previous_grant_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    correction_request: Mapped[str] = mapped_column(Text, default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # The provider organization's review chain when submitted; None: the platform's setting.
    review_chain: Mapped[str | None] = mapped_column(String(40), nullable=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accept_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    decision_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The China-local day of the last deadline reminder, so a rerun that day reminds no one.
    reminded_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[ApplicationItem]] = relationship(
        back_populates="application",
        order_by="ApplicationItem.id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class ApplicationItem(Base):
    """One requested conditional data item of one dataset."""

    __tablename__ = "access_application_items"
    __table_args__ = (UniqueConstraint("application_id", "dataset_id", "item_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("access_applications.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    item_name: Mapped[str] = mapped_column(String(100))

    application: Mapped[Application] = relationship(back_populates="items")


class ApplicationEvent(Base):
    """One step on an application's timeline, seen by the applicant and the reviewers."""

    __tablename__ = "access_application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("access_applications.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(150), default="")
    actor_role: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(Base):
    """A file attached to an application (PDF/PNG/JPEG); the bytes live in the blob store."""

    __tablename__ = "access_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("access_applications.id", ondelete="CASCADE"), index=True
    )
    blob_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    uploaded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Grant(Base):
    """What an approval gives (授权): items, rows, channels, masks, quota and validity."""

    __tablename__ = "access_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("access_applications.id"), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    organization_id: Mapped[int] = mapped_column(Integer, index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    grantee_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grantee_organization_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    row_filter: Mapped[str] = mapped_column(String(2000), default="")
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    masking: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    calls_per_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rows_per_day: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    report_interval_days: Mapped[int] = mapped_column(Integer, default=90)
    next_report_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    report_reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GrantUsage(Base):
    """Calls and rows served under a grant on one China-local day (for its daily quota)."""

    __tablename__ = "access_grant_usage"
    __table_args__ = (UniqueConstraint("grant_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(
        ForeignKey("access_grants.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[dt.date] = mapped_column(Date)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(BigInteger, default=0)


class UsageReport(Base):
    """A grantee's periodic report (数据利用报告) of what the data was used for."""

    __tablename__ = "access_usage_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(
        ForeignKey("access_grants.id", ondelete="CASCADE"), index=True
    )
    submitted_by: Mapped[int] = mapped_column(Integer)
    used_for: Mapped[str] = mapped_column(Text)
    results: Mapped[str] = mapped_column(Text, default="")
    incidents: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiKey(Base):
    """A developer key (AppKey + secret); the secret is stored hashed and, for HMAC, encrypted."""

    __tablename__ = "access_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret_hash: Mapped[str] = mapped_column(String(64))
    hmac_secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rotated_from_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CallLog(Base):
    """One data-API call (数据调用日志), written in batches off the request path."""

    __tablename__ = "access_call_logs"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    dataset_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    organization_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    region_code: Mapped[str] = mapped_column(String(12), default="")
    grant_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[int] = mapped_column(Integer, default=200)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(20), default="api")
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class IssuedExtract(Base):
    """One file extract released under a grant, with the fingerprint it carries (leak tracing).

    ``recipient_code`` is the fingerprint's identity (grant and receiving user); ``key_id``
    names the fingerprint key used, so tracing still works after the key is rotated.
    """

    __tablename__ = "access_issued_extracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(
        ForeignKey("access_grants.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    resource_id: Mapped[int] = mapped_column(Integer)
    version_number: Mapped[int] = mapped_column(Integer)
    recipient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    recipient_organization_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recipient_code: Mapped[int] = mapped_column(BigInteger, index=True)
    key_id: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(20))
    marked: Mapped[bool] = mapped_column(Boolean, default=False)
    marked_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


ACCESS_TABLES: tuple[Any, ...] = tuple(
    model.__table__  # type: ignore[attr-defined]
    for model in (
        Agreement,
        Application,
        ApplicationItem,
        ApplicationEvent,
        Attachment,
        Grant,
        GrantUsage,
        UsageReport,
        ApiKey,
        CallLog,
        IssuedExtract,
    )
)
