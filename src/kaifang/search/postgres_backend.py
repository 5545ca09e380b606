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
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from kaifang.auth.actor import Actor
from kaifang.search.base import SQLSearchBackend
from kaifang.search.documents import IndexedText, SearchDocument, entry_row
from kaifang.search.models import SearchEntry
from kaifang.search.queries import TextMatch
from kaifang.search.schemas import SearchQuery, SearchResult
from kaifang.search.text import QueryTerm, query_terms

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
    """Every term matches in one of ``fields`` ("" is the all-fields vector ``tsv``)."""
    conjuncts = []
    for term in terms:
        query: Any = cast(literal(tsquery_literal(term), Text), TSQUERY)
        vectors = [getattr(entry, f"{f}_tsv" if f else "tsv") for f in fields]
        conjuncts.append(or_(*(vector.op("@@")(query) for vector in vectors)))
    return and_(*conjuncts)


def _ids_within(terms: list[QueryTerm], fields: tuple[str, ...]) -> Any:
    """Entries whose words all lie within ``fields``, as an id set (a hashed subplan)."""
    other = aliased(SearchEntry)
    ids = select(other.dataset_id).where(_every_term_within(other, terms, fields))
    return SearchEntry.dataset_id.in_(ids)


# Planner settings for a search with words, transaction-local and restored afterwards.
# The planner prices "vector @@ query" as a cheap operator and so, for a broad word, prefers
# a sequential scan, which detoasts every vector (hundreds of milliseconds on 100,000
# entries); the GIN bitmap scans never read them. The matched set of a broad word (a CTE
# read by the page and every facet) should stay in memory rather than spill to disk.
SEARCH_SETTINGS = {"enable_seqscan": "off", "work_mem": "32MB"}


@contextmanager
def search_settings(session: Session) -> Iterator[None]:
    """Apply SEARCH_SETTINGS within the block (names and values are bound, never pasted)."""
    previous = {
        name: str(session.scalar(select(func.current_setting(name)))) for name in SEARCH_SETTINGS
    }
    for name, value in SEARCH_SETTINGS.items():
        session.execute(select(func.set_config(name, value, True)))
    aborted = False
    try:
        yield
    except DBAPIError:
        aborted = True  # the transaction is lost, and its local settings with it
        raise
    finally:
        if not aborted:
            for name, old in previous.items():
                session.execute(select(func.set_config(name, old, True)))


class PostgresSearchBackend(SQLSearchBackend):
    """Search over GIN-indexed tsvector columns of ``search_entries``."""

    def entry_values(self, doc: SearchDocument, analysed: IndexedText) -> dict[str, Any]:
        fields = analysed.fields()
        vectors = {f"{name}_tsv": plain_vector(tokens) for name, tokens in fields.items()}
        every = [token for tokens in fields.values() for token in tokens]
        return {**entry_row(doc), **vectors, "tsv": plain_vector(every)}

    def search(self, session: Session, query: SearchQuery, actor: Actor) -> SearchResult:
        if not query_terms(query.q):
            return super().search(session, query, actor)
        with search_settings(session):
            return super().search(session, query, actor)

    def text_match(self, terms: list[QueryTerm], *, in_items: bool) -> TextMatch:
        # The match is one GIN-indexed column of the outer rows (a bitmap ANDed with the
        # other conditions); the tiers are id sets (hashed subplans over the field indexes).
        if in_items:
            return TextMatch(_every_term_within(SearchEntry, terms, ("items",)))
        return TextMatch(
            condition=_every_term_within(SearchEntry, terms, ("",)),
            tiers=tuple(_ids_within(terms, fields) for fields in TIER_FIELDS),
        )
