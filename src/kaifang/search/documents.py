"""The search document of a dataset: what is indexed, filtered on, sorted by and shown."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth.models import Organization
from kaifang.catalog.models import DataItem, Dataset
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.search import text

MULTI_VALUED_FACETS = ("domain", "format")


@dataclass(frozen=True)
class SearchDocument:
    """Everything the index keeps about one dataset, independent of the database dialect."""

    dataset_id: int
    catalog_code: str
    title: str
    summary: str
    status: str
    organization_id: int
    organization_name: str
    region_code: str
    region_name: str
    open_attribute: str
    grade: str
    update_frequency: str
    keywords: list[str] = field(default_factory=list)
    domains: list[tuple[str, str]] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    item_labels: list[str] = field(default_factory=list)
    item_names: list[str] = field(default_factory=list)
    first_published_at: dt.datetime | None = None
    last_updated_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None
    views: int = 0
    downloads: int = 0

    @property
    def published_key(self) -> int:
        """Sort key of "newest": first publication in epoch milliseconds (0 if never)."""
        return _millis(self.first_published_at)

    @property
    def updated_key(self) -> int:
        """Sort key of "recently updated": last data update, else last catalogue change."""
        return _millis(self.last_updated_at or self.modified_at)

    def facet_values(self) -> list[tuple[str, str]]:
        """(facet, value) pairs of the multi-valued facets."""
        pairs = [("domain", code) for code, _ in self.domains]
        pairs += [("format", f) for f in self.formats]
        return list(dict.fromkeys(pairs))


def _millis(value: dt.datetime | None) -> int:
    return int(value.timestamp() * 1000) if value is not None else 0


def build_document(
    dataset: Dataset, *, vocabulary: VocabularyIndex, region_names: Mapping[str, str]
) -> SearchDocument:
    """The document of a loaded dataset (organization and items are read from it)."""
    return SearchDocument(
        dataset_id=dataset.id,
        catalog_code=dataset.catalog_code or "",
        title=dataset.title,
        summary=dataset.summary or "",
        status=dataset.status,
        organization_id=dataset.organization_id,
        organization_name=dataset.organization.name if dataset.organization else "",
        region_code=dataset.region_code,
        region_name=region_names.get(dataset.region_code, ""),
        open_attribute=dataset.open_attribute,
        grade=dataset.grade,
        update_frequency=dataset.update_frequency,
        keywords=list(dataset.keywords or []),
        domains=[(c, vocabulary.label("domain", c)) for c in dataset.domains or []],
        formats=list(dataset.formats or []),
        item_labels=[i.label for i in dataset.items],
        item_names=[i.name for i in dataset.items],
        first_published_at=dataset.first_published_at,
        last_updated_at=dataset.last_updated_at,
        modified_at=dataset.modified_at,
        views=dataset.views or 0,
        downloads=dataset.downloads or 0,
    )


DOCUMENT_COLUMNS = (
    Dataset.id,
    Dataset.catalog_code,
    Dataset.title,
    Dataset.summary,
    Dataset.status,
    Dataset.organization_id,
    Organization.name.label("organization_name"),
    Dataset.region_code,
    Dataset.open_attribute,
    Dataset.grade,
    Dataset.update_frequency,
    Dataset.keywords,
    Dataset.domains,
    Dataset.formats,
    Dataset.first_published_at,
    Dataset.last_updated_at,
    Dataset.modified_at,
    Dataset.views,
    Dataset.downloads,
)


def load_documents(
    session: Session,
    ids: Sequence[int],
    *,
    vocabulary: VocabularyIndex,
    region_names: Mapping[str, str],
) -> list[SearchDocument]:
    """Documents of the existing datasets among ``ids``, read with two plain queries (bulk path)."""
    items: dict[int, list[tuple[str, str]]] = defaultdict(list)
    item_rows = session.execute(
        select(DataItem.dataset_id, DataItem.label, DataItem.name)
        .where(DataItem.dataset_id.in_(list(ids)))
        .order_by(DataItem.dataset_id, DataItem.position)
    )
    for dataset_id, label, name in item_rows:
        items[dataset_id].append((label, name))
    rows = session.execute(
        select(*DOCUMENT_COLUMNS)
        .join(Organization, Organization.id == Dataset.organization_id)
        .where(Dataset.id.in_(list(ids)))
        .order_by(Dataset.id)
    )
    return [
        SearchDocument(
            dataset_id=r.id,
            catalog_code=r.catalog_code or "",
            title=r.title,
            summary=r.summary or "",
            status=r.status,
            organization_id=r.organization_id,
            organization_name=r.organization_name,
            region_code=r.region_code,
            region_name=region_names.get(r.region_code, ""),
            open_attribute=r.open_attribute,
            grade=r.grade,
            update_frequency=r.update_frequency,
            keywords=list(r.keywords or []),
            domains=[(c, vocabulary.label("domain", c)) for c in r.domains or []],
            formats=list(r.formats or []),
            item_labels=[label for label, _ in items[r.id]],
            item_names=[name for _, name in items[r.id]],
            first_published_at=r.first_published_at,
            last_updated_at=r.last_updated_at,
            modified_at=r.modified_at,
            views=r.views or 0,
            downloads=r.downloads or 0,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class IndexedText:
    """A document's tokens per field, from most to least telling (the relevance tiers)."""

    title: list[str]
    meta: list[str]
    summary: list[str]
    items: list[str]

    def fields(self) -> dict[str, list[str]]:
        return {
            "title": self.title,
            "meta": self.meta,
            "summary": self.summary,
            "items": self.items,
        }


def analyse(doc: SearchDocument) -> IndexedText:
    """Segment a document; titles, organizations and domains also by pinyin and initials."""
    labels = [label for _, label in doc.domains]
    meta_texts = [*doc.keywords, doc.organization_name, *labels, doc.region_name, doc.catalog_code]
    return IndexedText(
        title=[*text.field_tokens([doc.title]), *text.pinyin_tokens([doc.title])],
        meta=[
            *text.field_tokens(meta_texts),
            *text.pinyin_tokens([doc.organization_name, *labels]),
        ],
        summary=text.field_tokens([doc.summary]),
        items=text.field_tokens([*doc.item_labels, *doc.item_names]),
    )


def value_set(values: Sequence[str]) -> str:
    """The canonical set string of facet values ("|a|b|"), empty when there are none."""
    unique = sorted(set(values))
    return "|" + "|".join(unique) + "|" if unique else ""


def split_value_set(text: str) -> list[str]:
    return [v for v in text.split("|") if v]


def entry_row(doc: SearchDocument) -> dict[str, object]:
    """Column values of the ``search_entries`` row of a document (without text vectors)."""
    return {
        "dataset_id": doc.dataset_id,
        "status": doc.status,
        "organization_id": doc.organization_id,
        "region_code": doc.region_code,
        "open_attribute": doc.open_attribute,
        "grade": doc.grade,
        "update_frequency": doc.update_frequency,
        "domain_set": value_set([c for c, _ in doc.domains]),
        "format_set": value_set(doc.formats),
        "published_key": doc.published_key,
        "updated_key": doc.updated_key,
        "views": doc.views,
        "downloads": doc.downloads,
    }


def card_row(doc: SearchDocument) -> dict[str, object]:
    """Column values of the ``search_cards`` row of a document."""
    return {
        "dataset_id": doc.dataset_id,
        "catalog_code": doc.catalog_code,
        "title": doc.title,
        "summary": doc.summary,
        "organization_name": doc.organization_name,
        "region_name": doc.region_name,
        "first_published_at": doc.first_published_at,
        "last_updated_at": doc.last_updated_at or doc.modified_at,
        "item_count": len(doc.item_labels),
        "payload": {"domains": [c for c, _ in doc.domains], "formats": doc.formats},
    }
