"""PostgreSQL backend: a GIN-indexed tsvector of jieba tokens per field, prefix tsqueries.

Vectors and queries are written as tsvector/tsquery literals of our own tokens and cast,
never passed through a text-search parser, so index and query agree token for token and
user input is only ever a quoted, bound lexeme. Vectors hold bare lexemes (no positions or
weights), so GIN answers every match without a recheck and no vector is read at query time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Text, and_, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session, aliased

from kaifang.auth.actor import Actor
from kaifang.search.base import SQLSearchBackend
from kaifang.search.documents import IndexedText, SearchDocument, entry_row
from kaifang.search.models import SearchEntry
from kaifang.search.queries import TextMatch
from kaifang.search.schemas import SearchQuery, SearchResult
from kaifang.search.text import QueryTerm, query_terms

FIELDS = ("title", "meta", "summary", "items")
# Field groups of the relevance tiers, best first (see kaifang.search.queries).
TIER_FIELDS = (("title",), ("title", "meta"), ("title", "meta", "summary"))


def lexeme(token: str) -> str:
    """A quoted tsvector/tsquery lexeme."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def plain_vector(tokens: list[str]) -> str:
    """A tsvector literal of bare lexemes."""
    return " ".join(lexeme(t) for t in dict.fromkeys(tokens))


def tsquery_literal(term: QueryTerm) -> str:
    """The tsquery of one term: any of its alternatives, each token matched as a prefix."""
    options = [" & ".join(lexeme(t) + ":*" for t in alt) for alt in term.alternatives]
    return " | ".join(f"({o})" for o in options)


def _every_term_within(entry: Any, terms: list[QueryTerm], fields: tuple[str, ...]) -> Any:
    """Every term matches in one of ``fields`` (a BitmapAnd of BitmapOrs over GIN indexes)."""
    conjuncts = []
    for term in terms:
        query: Any = cast(literal(tsquery_literal(term), Text), TSQUERY)
        conjuncts.append(or_(*(getattr(entry, f"{f}_tsv").op("@@")(query) for f in fields)))
    return and_(*conjuncts)


def _ids_within(terms: list[QueryTerm], fields: tuple[str, ...]) -> Any:
    """Entries whose words all lie within ``fields``, as an id set (a hashed subplan)."""
    other = aliased(SearchEntry)
    ids = select(other.dataset_id).where(_every_term_within(other, terms, fields))
    return SearchEntry.dataset_id.in_(ids)


@contextmanager
def text_index_preferred(session: Session) -> Iterator[None]:
    """Within the block, plan word matches through the GIN indexes, not a sequential scan.

    The planner prices ``vector @@ query`` as a cheap operator and so, for a broad word,
    prefers a sequential scan, which detoasts every vector (hundreds of milliseconds on
    100,000 entries); the bitmap scan of the GIN indexes never reads them. The setting is
    transaction-local and restored afterwards.
    """
    previous = session.scalar(select(func.current_setting("enable_seqscan")))
    session.execute(select(func.set_config("enable_seqscan", "off", True)))
    yield
    session.execute(select(func.set_config("enable_seqscan", previous, True)))


class PostgresSearchBackend(SQLSearchBackend):
    """Search over GIN-indexed tsvector columns of ``search_entries``."""

    def entry_values(self, doc: SearchDocument, analysed: IndexedText) -> dict[str, Any]:
        vectors = {f"{name}_tsv": plain_vector(t) for name, t in analysed.fields().items()}
        return {**entry_row(doc), **vectors}

    def search(self, session: Session, query: SearchQuery, actor: Actor) -> SearchResult:
        if not query_terms(query.q):
            return super().search(session, query, actor)
        with text_index_preferred(session):
            return super().search(session, query, actor)

    def text_match(self, terms: list[QueryTerm], *, in_items: bool) -> TextMatch:
        if in_items:
            return TextMatch(_every_term_within(SearchEntry, terms, ("items",)))
        return TextMatch(
            condition=_every_term_within(SearchEntry, terms, FIELDS),
            tiers=tuple(_ids_within(terms, fields) for fields in TIER_FIELDS),
        )
