"""Search index tables.

``search_entries`` is deliberately narrow (visibility, facet values, sort keys and, on
PostgreSQL, the text vectors stored out of line) so matching, counting and sorting touch few
pages; what a result card shows lives in ``search_cards`` and is read for one page only.
Multi-valued facets are kept twice: as a canonical set string on the entry (``|a|b|``) so
counts are one GROUP BY without joins, and as rows of ``search_facets`` so filters use an
index. The SQLite text index is the FTS5 table that :func:`kaifang.search.ddl.ensure_schema`
creates; the same function moves the PostgreSQL vectors out of line.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from kaifang.db import Base, UTCDateTime, utcnow

# Code-point order on PostgreSQL, so a key range [prefix, prefix+1) is exactly a prefix match
# (SQLite's default BINARY collation already compares code points).
KeyString = String(40).with_variant(String(40, collation="C"), "postgresql")
TextVector = TSVECTOR().with_variant(Text(), "sqlite")


def _gin(name: str, column: str) -> Index:
    return Index(name, column, postgresql_using="gin").ddl_if(dialect="postgresql")


class SearchEntry(Base):
    """What queries filter, count and sort on: visibility, facet values, sort keys, vectors."""

    __tablename__ = "search_entries"
    __table_args__ = (
        Index("ix_search_entries_status_published", "status", "published_key", "dataset_id"),
        Index("ix_search_entries_status_updated", "status", "updated_key", "dataset_id"),
        Index("ix_search_entries_status_views", "status", "views", "dataset_id"),
        Index("ix_search_entries_status_downloads", "status", "downloads", "dataset_id"),
        Index("ix_search_entries_status_org", "status", "organization_id"),
        Index("ix_search_entries_status_region", "status", "region_code"),
        Index("ix_search_entries_status_open", "status", "open_attribute"),
        Index("ix_search_entries_status_grade", "status", "grade"),
        Index("ix_search_entries_status_frequency", "status", "update_frequency"),
        Index("ix_search_entries_status_domains", "status", "domain_set"),
        Index("ix_search_entries_status_formats", "status", "format_set"),
        Index("ix_search_entries_organization_id", "organization_id"),
        _gin("ix_search_entries_tsv", "tsv"),
        _gin("ix_search_entries_title_tsv", "title_tsv"),
        _gin("ix_search_entries_head_tsv", "head_tsv"),
        _gin("ix_search_entries_body_tsv", "body_tsv"),
        _gin("ix_search_entries_items_tsv", "items_tsv"),
    )

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    status: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(12))
    open_attribute: Mapped[str] = mapped_column(String(20))
    grade: Mapped[str] = mapped_column(String(2))
    update_frequency: Mapped[str] = mapped_column(String(20))
    domain_set: Mapped[str] = mapped_column(String(700), default="")
    format_set: Mapped[str] = mapped_column(String(500), default="")
    published_key: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_key: Mapped[int] = mapped_column(BigInteger, default=0)
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    downloads: Mapped[int] = mapped_column(BigInteger, default=0)
    # PostgreSQL only (NULL on SQLite), GIN-indexed: every field's lexemes (to match); the
    # title, title+metadata and title+metadata+summary (the relevance tiers); the data items.
    tsv: Mapped[str | None] = mapped_column(TextVector, nullable=True)
    title_tsv: Mapped[str | None] = mapped_column(TextVector, nullable=True)
    head_tsv: Mapped[str | None] = mapped_column(TextVector, nullable=True)
    body_tsv: Mapped[str | None] = mapped_column(TextVector, nullable=True)
    items_tsv: Mapped[str | None] = mapped_column(TextVector, nullable=True)


class SearchCard(Base):
    """What a result shows: title, summary, names and dates, read for one page at a time."""

    __tablename__ = "search_cards"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("search_entries.dataset_id", ondelete="CASCADE"), primary_key=True
    )
    catalog_code: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    organization_name: Mapped[str] = mapped_column(String(200), default="")
    region_name: Mapped[str] = mapped_column(String(100), default="")
    first_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    indexed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchFacet(Base):
    """One value of a multi-valued facet (domain, format) of an entry, for indexed filters."""

    __tablename__ = "search_facets"
    __table_args__ = (Index("ix_search_facets_facet_value", "facet", "value", "dataset_id"),)

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("search_entries.dataset_id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)


class SearchSuggestion(Base):
    """A completion key of an entry's title: characters, pinyin or initials from a word on."""

    __tablename__ = "search_suggestions"
    __table_args__ = (Index("ix_search_suggestions_key", "key", "dataset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("search_entries.dataset_id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(KeyString)
    position: Mapped[int] = mapped_column(Integer, default=0)


class SearchState(Base):
    """One row whose token changes with every write to the index (search result caches key on it).

    A random token rather than a counter: a rolled-back write cannot leave behind a number that
    a later, different write reuses.
    """

    __tablename__ = "search_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))


SEARCH_TABLES = (
    SearchEntry.__table__,
    SearchCard.__table__,
    SearchFacet.__table__,
    SearchSuggestion.__table__,
    SearchState.__table__,
)
