"""SQL shared by both backends: visibility, filters, sorting, keyset pages, counts and facets.

Backends differ only in how words are matched and scored (:class:`TextMatch`); everything
else is built here from SQLAlchemy expressions with bound parameters, and the visibility
condition is part of every statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Row,
    Select,
    String,
    cast,
    func,
    literal,
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
# Rows of facet counts: (facet name, value, count); the total has an empty facet name.
CountSelect: TypeAlias = Select[str, str, int]
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


@dataclass(frozen=True)
class TextMatch:
    """How a backend matches words: all entries matching, and those matching in the head.

    The head (title, its pinyin, keywords, organization, domains) is what relevance scores:
    ``head_score`` is read from ``head_source`` when joined (SQLite FTS5) or computed on
    entries passing ``head_condition`` (PostgreSQL); ``head_ids`` selects the head matches'
    ids so the other matches can be listed without scoring them.
    """

    condition: ColumnElement[bool]
    head_score: ColumnElement[Any] | None = None
    head_ids: Select[Any] | None = None
    head_condition: ColumnElement[bool] | None = None
    head_source: FromClause | None = None


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
    head_only: bool = False,
) -> Select[Any]:
    """SELECT ``columns`` of the visible entries matching the words (or their head) and filters."""
    stmt = select(*columns).select_from(E)
    if match is not None and head_only:
        if match.head_source is not None:
            stmt = stmt.join(match.head_source, match.head_source.c.dataset_id == E.dataset_id)
        elif match.head_condition is not None:
            stmt = stmt.where(match.head_condition)
    elif match is not None:
        stmt = stmt.where(match.condition)
    stmt = stmt.where(visible_entries(actor))
    for name, values in filters.items():
        stmt = stmt.where(filter_clause(name, values))
    return stmt


def fetch_sorted_page(
    session: Session,
    *,
    actor: Actor,
    match: TextMatch | None,
    filters: Mapping[str, list[str]],
    sort: str,
    after: Cursor | None,
    size: int,
) -> list[tuple[int, float]]:
    """Up to ``size + 1`` (id, key) pairs by a column, descending, ties by id descending."""
    key, tie = _ordering(SORT_COLUMNS[sort], words=match is not None)
    stmt = matched_select([E.dataset_id, key], actor=actor, match=match, filters=filters)
    if after is not None:
        stmt = stmt.where(tuple_(key, tie) < tuple_(after.key, after.dataset_id))
    stmt = stmt.order_by(key.desc(), tie.desc()).limit(size + 1)
    return [(row[0], row[1]) for row in session.execute(stmt)]


def fetch_relevance_page(
    session: Session,
    *,
    actor: Actor,
    match: TextMatch,
    filters: Mapping[str, list[str]],
    after: Cursor | None,
    size: int,
) -> list[tuple[int, float]]:
    """Head matches by score first, then the other matches (key 0) newest id first.

    Scoring only head matches keeps broad words (a column name in half the catalogue) cheap:
    the rest is ordered by id, which needs no score at all.
    """
    rows: list[tuple[int, float]] = []
    score = match.head_score
    if score is not None and (after is None or after.key > 0):
        stmt = matched_select(
            [E.dataset_id, score], actor=actor, match=match, filters=filters, head_only=True
        )
        if after is not None:
            stmt = stmt.where(tuple_(score, E.dataset_id) < tuple_(after.key, after.dataset_id))
        stmt = stmt.order_by(score.desc(), E.dataset_id.desc()).limit(size + 1)
        rows = [(row[0], float(row[1])) for row in session.execute(stmt)]
    if len(rows) <= size:
        _, tie = _ordering(E.dataset_id, words=True)
        stmt = matched_select([E.dataset_id], actor=actor, match=match, filters=filters)
        if match.head_ids is not None:
            stmt = stmt.where(E.dataset_id.not_in(match.head_ids))
        if after is not None and after.key == 0:
            stmt = stmt.where(tie < after.dataset_id)
        stmt = stmt.order_by(tie.desc()).limit(size + 1 - len(rows))
        rows += [(row[0], 0.0) for row in session.execute(stmt)]
    return rows


def _ordering(key: Any, *, words: bool) -> tuple[Any, Any]:
    """Sort key and tie-breaker; with words, as expressions no index can serve.

    Walking an index in sort order and testing every row for the words is the plan to avoid:
    a selective query would read the whole catalogue (and on PostgreSQL every text vector).
    Matching first, then sorting the matches, is bounded by the number of matches.
    """
    if not words:
        return key, E.dataset_id
    return key + 0, E.dataset_id + 0


def fetch_cards(session: Session, ids: Sequence[int]) -> list[Row[Any]]:
    """The display rows of ``ids``, in that order."""
    stmt = select(*CARD_COLUMNS).join(E, E.dataset_id == C.dataset_id).where(C.dataset_id.in_(ids))
    by_id = {row.dataset_id: row for row in session.execute(stmt)}
    return [by_id[i] for i in ids if i in by_id]


def count_and_facets(
    session: Session,
    *,
    actor: Actor,
    match: TextMatch | None,
    filters: Mapping[str, list[str]],
    facets: Sequence[str],
) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and, per facet, value counts; a facet's own filter is left out of its counts."""
    groups: dict[str | None, list[str]] = defaultdict(list)
    groups[None] = []
    for facet in facets:
        groups[facet if facet in filters else None].append(facet)
    total = 0
    counts: dict[str, dict[str, int]] = {f: {} for f in facets}
    for left_out, members in groups.items():
        applied = {k: v for k, v in filters.items() if k != left_out}
        stmt = _group_counts(actor, match, applied, members, with_total=left_out is None)
        for facet, value, n in session.execute(stmt):
            if facet == "":
                total = int(n)
            else:
                _add_count(counts[facet], facet, value, int(n))
    return total, counts


def _add_count(counts: dict[str, int], facet: str, value: Any, n: int) -> None:
    if value is None:
        return
    values = split_value_set(value) if facet in MULTI_VALUED else [str(value)]
    for v in values:
        counts[v] = counts.get(v, 0) + n


def _group_counts(
    actor: Actor,
    match: TextMatch | None,
    filters: Mapping[str, list[str]],
    facets: Sequence[str],
    *,
    with_total: bool,
) -> Any:
    """One statement: a GROUP BY per facet, UNION ALL.

    The matched set is a CTE evaluated once, except for the plain public catalogue (no words,
    no filters, an actor who sees only published entries): there each part scans its own
    (status, column) index, which beats materialising most of the catalogue.
    """
    columns = [E.dataset_id, *(FACET_COLUMNS[f] for f in facets)]
    base = matched_select(columns, actor=actor, match=match, filters=filters)
    direct = match is None and not filters and sees_only_public(actor)
    source: Any = None if direct else base.cte("matched")
    parts: list[CountSelect] = []
    if with_total:
        total = select(_text(""), _text(""), func.count())
        parts.append(
            total.select_from(source)
            if source is not None
            else base.with_only_columns(*total.selected_columns)
        )
    for facet in facets:
        if source is not None:
            column = source.c[FACET_COLUMNS[facet].key]
            part = select(_text(facet), cast(column, String), func.count()).group_by(column)
        else:
            column = FACET_COLUMNS[facet]
            grouped = matched_select([column], actor=actor, match=None, filters=filters)
            part = grouped.with_only_columns(
                _text(facet), cast(column, String), func.count()
            ).group_by(column)
        parts.append(part)
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _text(value: str) -> ColumnElement[str]:
    return literal(value, String)
