"""Catalogue tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kaifang.auth.models import Organization
from kaifang.db import Base, UTCDateTime, utcnow

OPEN_ATTRIBUTES = ("unconditional", "conditional", "closed")
GRADES = ("L1", "L2", "L3", "L4")
STATUSES = ("draft", "submitted", "approved", "published", "rejected", "withdrawn")
VOCABULARY_KINDS = ("domain", "update_frequency", "licence", "base_class", "format")


class VocabularyTerm(Base):
    """An editable vocabulary entry (domains, update frequencies, licences, base classes)."""

    __tablename__ = "vocabulary_terms"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    code: Mapped[str] = mapped_column(String(60))
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100), default="")
    number: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)


class Dataset(Base):
    """A catalogue entry (数据集). Published metadata lives here; pending edits in revisions."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    base_class: Mapped[str | None] = mapped_column(String(60), nullable=True)
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    open_attribute: Mapped[str] = mapped_column(String(20), default="unconditional")
    grade: Mapped[str] = mapped_column(String(2), default="L1")
    update_frequency: Mapped[str] = mapped_column(String(20), default="irregular")
    formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    temporal_start: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    temporal_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    spatial_coverage: Mapped[str] = mapped_column(String(200), default="")
    licence: Mapped[str] = mapped_column(String(60), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    source_system: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    first_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    resource_count: Mapped[int] = mapped_column(Integer, default=0)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    downloads: Mapped[int] = mapped_column(BigInteger, default=0)
    api_calls: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicate_of_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duplicate_note: Mapped[str] = mapped_column(String(300), default="")
    withdrawn_reason: Mapped[str] = mapped_column(String(1000), default="")
    privacy_override_reason: Mapped[str] = mapped_column(String(2000), default="")
    privacy_override_status: Mapped[str] = mapped_column(String(20), default="")
    is_demo: Mapped[bool] = mapped_column(default=False)

    organization: Mapped[Organization] = relationship(lazy="joined")
    items: Mapped[list[DataItem]] = relationship(
        back_populates="dataset", order_by="DataItem.position", cascade="all, delete-orphan"
    )
    resources: Mapped[list[Resource]] = relationship(
        back_populates="dataset", order_by="Resource.id", cascade="all, delete-orphan"
    )


class DataItem(Base):
    """One field of a dataset (数据项) with its own open attribute and grade."""

    __tablename__ = "data_items"
    __table_args__ = (UniqueConstraint("dataset_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    data_type: Mapped[str] = mapped_column(String(20), default="text")
    length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    precision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    description: Mapped[str] = mapped_column(String(1000), default="")
    open_attribute: Mapped[str] = mapped_column(String(20), default="unconditional")
    grade: Mapped[str] = mapped_column(String(2), default="L1")
    pii_kind: Mapped[str | None] = mapped_column(String(30), nullable=True)
    masking_rule: Mapped[str | None] = mapped_column(String(100), nullable=True)

    dataset: Mapped[Dataset] = relationship(back_populates="items")


class Resource(Base):
    """A file or API endpoint attached to a dataset; files have immutable versions."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="file")
    format: Mapped[str] = mapped_column(String(20), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    description: Mapped[str] = mapped_column(String(2000), default="")
    current_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A link (no loaded version): the last check of its URL (interop.links); None: never.
    link_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    link_detail: Mapped[str] = mapped_column(String(300), default="", server_default="")
    link_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    dataset: Mapped[Dataset] = relationship(back_populates="resources")
    versions: Mapped[list[ResourceVersion]] = relationship(
        back_populates="resource", order_by="ResourceVersion.number", cascade="all, delete-orphan"
    )


class ResourceVersion(Base):
    """One successful load of a resource: immutable Parquet plus what was learned loading it."""

    __tablename__ = "resource_versions"
    __table_args__ = (UniqueConstraint("resource_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    source_key: Mapped[str] = mapped_column(String(64), default="")
    source_name: Mapped[str] = mapped_column(String(300), default="")
    parquet_key: Mapped[str] = mapped_column(String(64), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    schema: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    privacy: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)

    resource: Mapped[Resource] = relationship(back_populates="versions")


class DatasetRevision(Base):
    """Pending changes to a published dataset, reviewed while the published entry stays visible."""

    __tablename__ = "dataset_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="draft")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WorkflowEvent(Base):
    """One step of a dataset's workflow with its comment (the comment trail)."""

    __tablename__ = "workflow_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    comment: Mapped[str] = mapped_column(String(2000), default="")
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FieldChange(Base):
    """Who changed which field of a dataset from what to what."""

    __tablename__ = "field_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CatalogCode(Base):
    """Every catalogue code ever issued; codes are never reused, even after withdrawal."""

    __tablename__ = "catalog_codes"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(40), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    dataset_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
