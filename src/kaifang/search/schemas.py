"""Shapes of a catalogue search: the query, the hits, the facets and the completions."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from typing_extensions import TypedDict

FACETS = (
    "domain",
    "organization",
    "region",
    "open_attribute",
    "grade",
    "format",
    "update_frequency",
)
SortName = Literal["relevance", "newest", "updated", "views", "downloads"]
MAX_PAGE_SIZE = 100
MAX_FILTER_VALUES = 50


class SearchQuery(BaseModel):
    """A catalogue search: words, facet filters (OR within a facet, AND across), sort, page."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    q: str = Field(default="", max_length=200)
    in_items: bool = False
    filters: dict[str, list[str]] = Field(default_factory=dict)
    sort: SortName = "relevance"
    cursor: str | None = Field(default=None, max_length=512)
    size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)
    facets: tuple[str, ...] = FACETS

    @field_validator("filters")
    @classmethod
    def _known_filters(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, values in value.items():
            if name not in FACETS:
                raise ValueError(f"unknown filter '{name}'")
            cleaned = list(dict.fromkeys(v.strip()[:100] for v in values if v and v.strip()))
            if len(cleaned) > MAX_FILTER_VALUES:
                raise ValueError(f"too many values for filter '{name}'")
            if name == "organization" and not all(v.isdigit() and len(v) < 12 for v in cleaned):
                raise ValueError("organization filter takes numeric ids")
            if cleaned:
                out[name] = cleaned
        return out

    @field_validator("facets")
    @classmethod
    def _known_facets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [f for f in value if f not in FACETS]
        if unknown:
            raise ValueError(f"unknown facet '{unknown[0]}'")
        return tuple(dict.fromkeys(value))


class CodeLabel(TypedDict):
    code: str
    label: str


class OrganizationRef(TypedDict):
    id: int
    name: str


class SearchHit(TypedDict):
    """One result row; ``matched_terms`` are the words of title/summary the page may mark."""

    id: int
    catalog_code: str
    title: str
    summary: str
    status: str
    organization: OrganizationRef
    region: CodeLabel
    domains: list[CodeLabel]
    open_attribute: CodeLabel
    grade: CodeLabel
    formats: list[str]
    update_frequency: CodeLabel
    first_published_at: dt.datetime | None
    last_updated_at: dt.datetime | None
    views: int
    downloads: int
    item_count: int
    matched_terms: list[str]


class FacetCount(TypedDict):
    value: str
    label: str
    count: int
    selected: bool


class SearchResult(BaseModel):
    """A page of hits, the total and facet counts over the visible filtered set, the next cursor."""

    items: list[SearchHit]
    total: int
    facets: dict[str, list[FacetCount]]
    next_cursor: str | None = None
    sort: SortName = "relevance"


class Suggestion(BaseModel):
    """A completion: a title the actor may see whose words, pinyin or initials start so."""

    dataset_id: int
    title: str
    catalog_code: str
