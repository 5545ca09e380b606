"""The search flow both SQL backends share; subclasses supply the text index of their dialect."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Row, String, Table, delete, insert, literal, select
from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.search import queries, text
from kaifang.search.cache import ResultCache, touch
from kaifang.search.cursor import Cursor, decode_cursor, encode_cursor
from kaifang.search.documents import IndexedText, SearchDocument, analyse, card_row, entry_row
from kaifang.search.highlight import matched_terms, snippet
from kaifang.search.labels import LabelBook
from kaifang.search.models import SearchCard, SearchEntry, SearchFacet, SearchSuggestion
from kaifang.search.queries import TextMatch
from kaifang.search.schemas import (
    CodeLabel,
    FacetCount,
    SearchHit,
    SearchQuery,
    SearchResult,
    Suggestion,
)
from kaifang.search.text import QueryTerm
from kaifang.search.visibility import sees_only_public, visible_entries

# Completion keys read per round: enough to rank; a second, larger round if drafts hid many.
SUGGEST_BATCHES = (200, 2000)
# Core tables, not ORM entities: bulk writes skip the unit of work entirely.
ENTRIES = cast(Table, SearchEntry.__table__)
CARDS = cast(Table, SearchCard.__table__)
FACETS = cast(Table, SearchFacet.__table__)
SUGGESTIONS = cast(Table, SearchSuggestion.__table__)


class SQLSearchBackend(ABC):
    """Entries, cards, facets and completions in plain tables; words matched by the subclass."""

    def index(self, session: Session, docs: Sequence[SearchDocument]) -> None:
        """Insert or replace the entries of ``docs``."""
        if not docs:
            return
        self.remove(session, [d.dataset_id for d in docs])  # also marks the index changed
        analysed = [(doc, analyse(doc)) for doc in docs]
        session.execute(insert(ENTRIES), [self.entry_values(d, t) for d, t in analysed])
        session.execute(insert(CARDS), [card_row(d) for d in docs])
        facets = [
            {"dataset_id": d.dataset_id, "facet": f, "value": v}
            for d in docs
            for f, v in d.facet_values()
        ]
        if facets:
            session.execute(insert(FACETS), facets)
        keys = [
            {"dataset_id": d.dataset_id, "key": key, "position": pos}
            for d in docs
            for pos, key in text.iter_suggestion_keys(d.title)
        ]
        if keys:
            session.execute(insert(SUGGESTIONS), keys)
        self.write_text(session, analysed)

    def remove(self, session: Session, ids: Sequence[int]) -> None:
        """Drop the entries of these dataset ids (missing ids are ignored)."""
        if not ids:
            return
        touch(session)
        wanted = list(ids)
        for table in (SUGGESTIONS, FACETS, CARDS, ENTRIES):
            session.execute(delete(table).where(table.c.dataset_id.in_(wanted)))
        self.delete_text(session, wanted)

    # -- dialect hooks ------------------------------------------------------------------------

    def entry_values(self, doc: SearchDocument, analysed: IndexedText) -> dict[str, Any]:
        """The entry row; PostgreSQL adds its text vectors."""
        return entry_row(doc)

    def write_text(
        self, session: Session, analysed: list[tuple[SearchDocument, IndexedText]]
    ) -> None:
        """Store the documents' tokens in the dialect's text index (after the entries).

        By default nothing: PostgreSQL keeps its vectors in the entry row (``entry_values``).
        """
        return

    def delete_text(self, session: Session, ids: list[int]) -> None:
        """Remove these ids from the dialect's text index (by default it is the entry row)."""
        return

    @abstractmethod
    def text_match(self, terms: list[QueryTerm], *, in_items: bool) -> TextMatch:
        """How entries are restricted to ``terms`` and scored (each dialect's own index)."""

    # -- queries ------------------------------------------------------------------------------

    def search(
        self,
        session: Session,
        query: SearchQuery,
        actor: Actor,
        cache: ResultCache[queries.Found] | None = None,
    ) -> SearchResult:
        """Hits, total and facets of what ``actor`` may see; BadRequest on a bad cursor.

        With a ``cache``, searches by visitors who see only published entries reuse the page
        ids, total and counts of an identical earlier search until the index changes.
        """
        terms = text.query_terms(query.q)
        sort = "newest" if query.sort == "relevance" and not terms else query.sort
        after = decode_cursor(query.cursor, sort=sort) if query.cursor else None

        def find(within: Session) -> queries.Found:
            return self._find(within, query, actor, terms, sort, after)

        if cache is not None and sees_only_public(actor):
            found = cache.get_or_compute(session, _cache_key(query, terms, sort), find)
        else:
            found = find(session)
        shown = found.page[: query.size]
        cards = queries.fetch_cards(session, [dataset_id for dataset_id, _ in shown])
        labels = _labels_for(session, cards, found.counts)
        next_cursor = None
        if len(found.page) > query.size:
            last_id, last_key = shown[-1]
            next_cursor = encode_cursor(Cursor(sort, last_key, last_id))
        return SearchResult(
            items=[_hit(card, terms, labels) for card in cards],
            total=found.total,
            facets=_facet_lists(found.counts, query.filters, labels),
            next_cursor=next_cursor,
            sort=sort,
        )

    def _find(
        self,
        session: Session,
        query: SearchQuery,
        actor: Actor,
        terms: list[QueryTerm],
        sort: str,
        after: Cursor | None,
    ) -> queries.Found:
        if not terms:
            return queries.search_without_words(
                session,
                actor=actor,
                filters=query.filters,
                facets=query.facets,
                sort=sort,
                after=after,
                size=query.size,
            )
        return queries.search_with_words(
            session,
            actor=actor,
            match=self.text_match(terms, in_items=query.in_items),
            filters=query.filters,
            facets=query.facets,
            sort=sort,
            after=after,
            size=query.size,
        )

    def suggest(self, session: Session, prefix: str, actor: Actor, limit: int) -> list[Suggestion]:
        """Titles visible to ``actor`` with a word, pinyin or initials starting with ``prefix``."""
        key = text.suggestion_prefix(prefix)
        if not key:
            return []
        best: dict[int, tuple[int, int]] = {}
        for batch in SUGGEST_BATCHES:
            candidates = _completion_candidates(session, key, batch)
            views = _visible_views(session, actor, {c[1] for c in candidates})
            for _, dataset_id, position in candidates:
                known = best.get(dataset_id)
                if dataset_id in views and (known is None or position < known[0]):
                    best[dataset_id] = (position, views[dataset_id])
            if len(best) >= limit or len(candidates) < batch:
                break
        ranked = sorted(best, key=lambda i: (best[i][0] > 0, -best[i][1], i))[:limit]
        return _suggestions(session, ranked)


def _cache_key(query: SearchQuery, terms: list[QueryTerm], sort: str) -> tuple[Any, ...]:
    """Everything a public search's page, total and counts depend on, as a hashable key."""
    filters = tuple(sorted((name, tuple(sorted(values))) for name, values in query.filters.items()))
    words = tuple((term.word, term.alternatives) for term in terms)
    return (words, query.in_items, filters, tuple(query.facets), sort, query.cursor, query.size)


def _completion_candidates(session: Session, key: str, batch: int) -> list[tuple[str, int, int]]:
    """(key, dataset id, position) of the first ``batch`` completion keys starting with ``key``.

    The bound is a scalar subquery and there is no upper bound, so both planners walk the key
    index in order and stop early; PostgreSQL would otherwise estimate a range inside
    multi-byte text badly and choose a bitmap scan plus a sort of every match.
    """
    bound = select(literal(key, String)).scalar_subquery()
    stmt = (
        select(SearchSuggestion.key, SearchSuggestion.dataset_id, SearchSuggestion.position)
        .where(SearchSuggestion.key >= bound)
        .order_by(SearchSuggestion.key)
        .limit(batch)
    )
    rows = [(k, i, p) for k, i, p in session.execute(stmt)]
    return [row for row in rows if row[0].startswith(key)]


def _visible_views(session: Session, actor: Actor, ids: set[int]) -> dict[int, int]:
    """Views of the entries among ``ids`` that ``actor`` may see."""
    if not ids:
        return {}
    stmt = select(SearchEntry.dataset_id, SearchEntry.views).where(
        SearchEntry.dataset_id.in_(sorted(ids)), visible_entries(actor)
    )
    return {dataset_id: views for dataset_id, views in session.execute(stmt)}


def _suggestions(session: Session, ranked: list[int]) -> list[Suggestion]:
    rows = session.execute(
        select(SearchCard.dataset_id, SearchCard.title, SearchCard.catalog_code).where(
            SearchCard.dataset_id.in_(ranked)
        )
    )
    by_id = {row.dataset_id: row for row in rows}
    return [
        Suggestion(dataset_id=i, title=by_id[i].title, catalog_code=by_id[i].catalog_code)
        for i in ranked
        if i in by_id
    ]


def _labels_for(
    session: Session, cards: list[Row[Any]], counts: dict[str, dict[str, int]]
) -> LabelBook:
    wanted: dict[str, set[str]] = {facet: set(values) for facet, values in counts.items()}
    for card in cards:
        wanted.setdefault("domain", set()).update(card.payload.get("domains", []))
        wanted.setdefault("update_frequency", set()).add(card.update_frequency)
    return LabelBook.load(session, wanted)


def _hit(card: Row[Any], terms: list[QueryTerm], labels: LabelBook) -> SearchHit:
    found = matched_terms(terms, card.title, card.summary) if terms else []
    payload = card.payload or {}
    return {
        "id": card.dataset_id,
        "catalog_code": card.catalog_code,
        "title": card.title,
        "summary": snippet(card.summary, found),
        "status": card.status,
        "organization": {"id": card.organization_id, "name": card.organization_name},
        "region": {"code": card.region_code, "label": card.region_name},
        "domains": [
            {"code": c, "label": labels.label("domain", c)} for c in payload.get("domains", [])
        ],
        "open_attribute": _coded(labels, "open_attribute", card.open_attribute),
        "grade": _coded(labels, "grade", card.grade),
        "formats": list(payload.get("formats", [])),
        "update_frequency": _coded(labels, "update_frequency", card.update_frequency),
        "first_published_at": card.first_published_at,
        "last_updated_at": card.last_updated_at,
        "views": card.views,
        "downloads": card.downloads,
        "item_count": card.item_count,
        "matched_terms": found,
    }


def _coded(labels: LabelBook, facet: str, code: str) -> CodeLabel:
    return {"code": code, "label": labels.label(facet, code)}


def _facet_lists(
    counts: dict[str, dict[str, int]], filters: dict[str, list[str]], labels: LabelBook
) -> dict[str, list[FacetCount]]:
    out: dict[str, list[FacetCount]] = {}
    for facet, values in counts.items():
        chosen = filters.get(facet, [])
        ranked = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[: queries.FACET_LIMIT]
        shown = dict(ranked)
        for value in chosen:
            shown.setdefault(value, values.get(value, 0))
        out[facet] = [
            {
                "value": value,
                "label": labels.label(facet, value),
                "count": n,
                "selected": value in chosen,
            }
            for value, n in shown.items()
        ]
    return out
