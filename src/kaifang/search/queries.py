"""SQL shared by both backends: visibility, filters, relevance, keyset pages, counts and facets.

Backends differ only in how words are matched (:class:`TextMatch`); everything else is built
here from SQLAlchemy expressions with bound parameters, and the visibility condition is part
of every statement.

Relevance is a tier, then popularity: all words in the title (or its pinyin) rank first, then
all within title and metadata (keywords, organization, domains), then with the summary, then
matches that need the data items; within a tier the most viewed come first. Tiers are set
tests the text indexes answer without reading documents, the order is the same on both
databases, and the integer key (tier, views) keeps cursors stable as the corpus grows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    case,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.search.cursor import Cursor
from kaifang.search.documents import split_value_set
from kaifang.search.models import SearchCard, SearchEntry, SearchFacet
from kaifang.search.visibility import sees_only_public, visible_entries

E = SearchEntry
C = SearchCard
# Rows of one search statement: (part, value, count, dataset id, sort key).
PartSelect: TypeAlias = Select[str, str, int, int, int]
PAGE = "#page"
FACET_COLUMNS: dict[str, Any] = {
    "organization": E.organization_id,
    "region": E.region_code,
    "open_attribute": E.open_attribute,
    "grade": E.grade,
    "update_frequency": E.update_frequency,
    "domain": E.domain_set,
    "format": E.format_set,
}
MULTI_VALUED = frozenset({"domain", "format"})
SORT_COLUMNS: dict[str, Any] = {
    "newest": E.published_key,
    "updated": E.updated_key,
    "views": E.views,
    "downloads": E.downloads,
}
CARD_COLUMNS = (
    C.dataset_id,
    C.catalog_code,
    C.title,
    C.summary,
    C.organization_name,
    C.region_name,
    C.first_published_at,
    C.last_updated_at,
    C.item_count,
    C.payload,
    E.status,
    E.organization_id,
    E.region_code,
    E.open_attribute,
    E.grade,
    E.update_frequency,
    E.views,
    E.downloads,
)
FACET_LIMIT = 50
TIER_SHIFT = 2**40  # relevance key = tier * TIER_SHIFT + views (views capped below it)


@dataclass(frozen=True)
class TextMatch:
    """Conditions on entries for the words: matched at all, and matched within each tier.

    ``tiers`` holds, best first, the conditions "every word within the title", "... within
    title and metadata" and "... within title, metadata and summary"; empty when searching
    data items only.
    """

    condition: ColumnElement[bool]
    tiers: tuple[ColumnElement[bool], ...] = ()


@dataclass(frozen=True)
class Found:
    """One search's page (id, sort key), total and raw facet counts."""

    page: list[tuple[int, int]]
    total: int
    counts: dict[str, dict[str, int]]


def filter_clause(name: str, values: Sequence[str]) -> ColumnElement[bool]:
    """Entries having any of ``values`` in facet ``name`` (regions include their subtree)."""
    if name == "organization":
        return E.organization_id.in_([int(v) for v in values])
    if name == "region":
        return or_(*(E.region_code.startswith(v, autoescape=True) for v in values))
    if name in MULTI_VALUED:
        chosen = select(SearchFacet.dataset_id).where(
            SearchFacet.facet == name, SearchFacet.value.in_(list(values))
        )
        return E.dataset_id.in_(chosen)
    column: ColumnElement[Any] = FACET_COLUMNS[name]
    return column.in_(list(values))


def matched_select(
    columns: Sequence[Any],
    *,
    actor: Actor,
    match: TextMatch | None,
    filters: Mapping[str, list[str]],
    scan: bool = False,
) -> Select[Any]:
    """SELECT ``columns`` of the visible entries matching the words and the filters.

    ``scan`` hides the visibility condition from the planners (inside a no-op COALESCE) so
    the narrow entries table is read straight through: when that condition is an OR covering
    most of the catalogue (officers, reviewers), SQLite's multi-index OR plan would look up
    every row by id, several times slower.
    """
    stmt = select(*columns).select_from(E)
    if match is not None:
        stmt = stmt.where(match.condition)
    visible = visible_entries(actor)
    stmt = stmt.where(func.coalesce(visible, false()) if scan else visible)
    for name, values in filters.items():
        stmt = stmt.where(filter_clause(name, values))
    return stmt


def relevance_key(match: TextMatch) -> ColumnElement[Any]:
    """tier * 2**40 + views: tier 3 (title) down to 0 (data items), then the most viewed."""
    tiers = [(condition, _big(3 - level)) for level, condition in enumerate(match.tiers)]
    tier: Any = case(*tiers, else_=_big(0)) if tiers else _big(0)
    views = case((E.views >= TIER_SHIFT, _big(TIER_SHIFT - 1)), else_=E.views)
    key: ColumnElement[Any] = tier * _big(TIER_SHIFT) + views
    return key


def search_with_words(
    session: Session,
    *,
    actor: Actor,
    match: TextMatch,
    filters: Mapping[str, list[str]],
    facets: Sequence[str],
    sort: str,
    after: Cursor | None,
    size: int,
) -> Found:
    """Page, total and facets in one statement over the matched set (a CTE read once)."""
    key = relevance_key(match) if sort == "relevance" else SORT_COLUMNS[sort]
    columns = [E.dataset_id, key.label("sort_key"), *(FACET_COLUMNS[f] for f in facets)]
    matched = matched_select(columns, actor=actor, match=match, filters=filters).cte("matched")
    page = select(matched.c.dataset_id, matched.c.sort_key)
    if after is not None:
        bound = tuple_(literal(after.key, BigInteger), literal(after.dataset_id, Integer))
        page = page.where(tuple_(matched.c.sort_key, matched.c.dataset_id) < bound)
    top = (
        page.order_by(matched.c.sort_key.desc(), matched.c.dataset_id.desc())
        .limit(size + 1)
        .subquery("top")
    )
    parts = [
        select(_text(PAGE), _text(""), literal(0, BigInteger), top.c.dataset_id, top.c.sort_key),
        *_count_parts(matched, facets),
    ]
    return _collect(session, union_all(*parts), facets)


def search_without_words(
    session: Session,
    *,
    actor: Actor,
    filters: Mapping[str, list[str]],
    facets: Sequence[str],
    sort: str,
    after: Cursor | None,
    size: int,
) -> Found:
    """The page by walking a sort index (it stops early), then total and facets."""
    key: Any = SORT_COLUMNS[sort]
    scan = not sees_only_public(actor)
    page = matched_select([E.dataset_id, key], actor=actor, match=None, filters=filters, scan=scan)
    if after is not None:
        page = page.where(tuple_(key, E.dataset_id) < tuple_(after.key, after.dataset_id))
    page = page.order_by(key.desc(), E.dataset_id.desc()).limit(size + 1)
    rows = [(int(i), int(k)) for i, k in session.execute(page)]
    found = _collect(session, _browse_counts(actor, filters, facets), facets)
    return Found(rows, found.total, found.counts)


def _browse_counts(actor: Actor, filters: Mapping[str, list[str]], facets: Sequence[str]) -> Any:
    """Counts without words: per-facet index scans for the plain public catalogue, else a CTE.

    For an actor who sees only published entries and no filters, each GROUP BY scans its own
    (status, column) index, which beats materialising most of the catalogue.
    """
    columns = [E.dataset_id, *(FACET_COLUMNS[f] for f in facets)]
    scan = not sees_only_public(actor)
    base = matched_select(columns, actor=actor, match=None, filters=filters, scan=scan)
    if filters or scan:
        return union_all(*_count_parts(base.cte("matched"), facets))
    parts = [base.with_only_columns(*_count_columns("", _text(""), func.count()))]
    for facet in facets:
        column = FACET_COLUMNS[facet]
        counted = _count_columns(facet, cast(column, String), func.count())
        parts.append(base.with_only_columns(*counted).group_by(column))
    return union_all(*parts)


def _count_parts(matched: Any, facets: Sequence[str]) -> list[PartSelect]:
    """The total and one GROUP BY per facet over the CTE ``matched``."""
    parts = [select(*_count_columns("", _text(""), func.count())).select_from(matched)]
    for facet in facets:
        column = matched.c[FACET_COLUMNS[facet].key]
        parts.append(
            select(*_count_columns(facet, cast(column, String), func.count())).group_by(column)
        )
    return parts


def _count_columns(part: str, value: Any, n: Any) -> tuple[Any, ...]:
    return (_text(part), value, n, cast(null(), Integer), cast(null(), BigInteger))


def _collect(session: Session, stmt: Any, facets: Sequence[str]) -> Found:
    page: list[tuple[int, int]] = []
    total = 0
    counts: dict[str, dict[str, int]] = {f: {} for f in facets}
    for part, value, n, dataset_id, key in session.execute(stmt):
        if part == PAGE:
            page.append((int(dataset_id), int(key)))
        elif part == "":
            total = int(n)
        elif value is not None:
            _add_count(counts[part], part, value, int(n))
    page.sort(key=lambda row: (row[1], row[0]), reverse=True)
    return Found(page, total, counts)


def _add_count(counts: dict[str, int], facet: str, value: Any, n: int) -> None:
    values = split_value_set(value) if facet in MULTI_VALUED else [str(value)]
    for v in values:
        counts[v] = counts.get(v, 0) + n


def _big(value: int) -> ColumnElement[int]:
    return literal(value, BigInteger)


def _text(value: str) -> ColumnElement[str]:
    return literal(value, String)


def fetch_cards(session: Session, ids: Sequence[int]) -> list[Row[Any]]:
    """The display rows of ``ids``, in that order."""
    stmt = select(*CARD_COLUMNS).join(E, E.dataset_id == C.dataset_id).where(C.dataset_id.in_(ids))
    by_id = {row.dataset_id: row for row in session.execute(stmt)}
    return [by_id[i] for i in ids if i in by_id]
