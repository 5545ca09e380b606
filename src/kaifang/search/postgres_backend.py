"""PostgreSQL backend: GIN-indexed tsvectors of jieba tokens, prefix tsqueries.

Vectors and queries are written as tsvector/tsquery literals of our own tokens and cast,
never passed through a text-search parser, so index and query agree token for token and
user input is only ever a quoted, bound lexeme. Vectors hold bare lexemes (no positions or
weights), so GIN answers every match without a recheck and no vector is read at query time.

Each question asked of the index is one tsquery against one vector column: ``tsv`` (every
field) to match, cumulative ``title_tsv``/``head_tsv``/``body_tsv`` for the relevance tiers
and ``items_tsv`` for the data-items-only search. Spreading a question over several columns
lets the planner test some of them row by row, which detoasts vectors and costs hundreds of
milliseconds on broad words.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from kaifang.auth.actor import Actor
from kaifang.search.base import SQLSearchBackend
from kaifang.search.cache import ResultCache
from kaifang.search.documents import IndexedText, SearchDocument, entry_row
from kaifang.search.models import SearchEntry
from kaifang.search.queries import Found, TextMatch
from kaifang.search.schemas import SearchQuery, SearchResult
from kaifang.search.text import QueryTerm, query_terms

# Vector column -> the fields it holds (tiers best first, see kaifang.search.queries).
VECTORS = {
    "tsv": ("title", "meta", "summary", "items"),
    "title_tsv": ("title",),
    "head_tsv": ("title", "meta"),
    "body_tsv": ("title", "meta", "summary"),
    "items_tsv": ("items",),
}
TIER_VECTORS = ("title_tsv", "head_tsv", "body_tsv")
# Planner settings for a search, transaction-local and restored afterwards. Searches are
# short interactive reads: JIT compilation (tens of milliseconds) never pays off, and the
# matched set of a broad word (a CTE read by the page and every facet) should stay in memory.
SEARCH_SETTINGS = {"jit": "off", "work_mem": "32MB"}
# With words, also: the planner prices "vector @@ query" as a cheap operator and so, for a
# broad word, prefers a sequential scan, which detoasts every vector (hundreds of milliseconds
# on 100,000 entries); the GIN bitmap scans never read them.
WORD_SETTINGS = {**SEARCH_SETTINGS, "enable_seqscan": "off"}


def lexeme(token: str) -> str:
    """A quoted tsvector/tsquery lexeme."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def plain_vector(tokens: list[str]) -> str:
    """A tsvector literal of bare lexemes."""
    return " ".join(lexeme(t) for t in dict.fromkeys(tokens))


def tsquery_literal(terms: list[QueryTerm]) -> str:
    """A tsquery requiring every term: any of its alternatives, each token as a prefix."""
    conjuncts = []
    for term in terms:
        options = [" & ".join(lexeme(t) + ":*" for t in alt) for alt in term.alternatives]
        conjuncts.append("(" + " | ".join(f"({o})" for o in options) + ")")
    return " & ".join(conjuncts)


def _matching(entry: Any, vector: str, query: Any) -> Any:
    return getattr(entry, vector).op("@@")(query)


def _ids_matching(vector: str, query: Any) -> Any:
    """Entries whose ``vector`` matches, as an id set (a hashed subplan over its GIN index)."""
    other = aliased(SearchEntry)
    return SearchEntry.dataset_id.in_(
        select(other.dataset_id).where(_matching(other, vector, query))
    )


@contextmanager
def planner_settings(session: Session, settings: dict[str, str]) -> Iterator[None]:
    """Apply ``settings`` within the block (names and values are bound, never pasted)."""
    previous = {name: str(session.scalar(select(func.current_setting(name)))) for name in settings}
    for name, value in settings.items():
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
        vectors = {
            column: plain_vector([token for name in names for token in fields[name]])
            for column, names in VECTORS.items()
        }
        return {**entry_row(doc), **vectors}

    def search(
        self,
        session: Session,
        query: SearchQuery,
        actor: Actor,
        cache: ResultCache[Found] | None = None,
    ) -> SearchResult:
        settings = WORD_SETTINGS if query_terms(query.q) else SEARCH_SETTINGS
        with planner_settings(session, settings):
            return super().search(session, query, actor, cache)

    def text_match(self, terms: list[QueryTerm], *, in_items: bool) -> TextMatch:
        query: Any = cast(literal(tsquery_literal(terms), Text), TSQUERY)
        if in_items:
            return TextMatch(_matching(SearchEntry, "items_tsv", query))
        return TextMatch(
            condition=_matching(SearchEntry, "tsv", query),
            tiers=tuple(_ids_matching(vector, query) for vector in TIER_VECTORS),
        )
