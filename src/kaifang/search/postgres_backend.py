"""PostgreSQL backend: GIN-indexed tsvectors of jieba tokens, ts_rank on the head vector.

Vectors and queries are written as tsvector/tsquery literals of our own tokens and cast,
never passed through a text-search parser, so index and query agree token for token and
user input is only ever a quoted, bound lexeme. Three vectors per entry: every field (to
match), the head with weights (to rank) and the data items (for the items-only toggle);
none needs a recheck, so matching and counting never read the vectors themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, TSQUERY
from sqlalchemy.orm import Session, aliased

from kaifang.auth.actor import Actor
from kaifang.search.base import SQLSearchBackend
from kaifang.search.documents import IndexedText, SearchDocument, entry_row
from kaifang.search.models import SearchEntry
from kaifang.search.queries import TextMatch
from kaifang.search.schemas import SearchQuery, SearchResult
from kaifang.search.text import QueryTerm, query_terms

# Head weights for ts_rank (defaults A=1.0, B=0.4): the title and its pinyin, then metadata.
HEAD_WEIGHTS = {"title": "A", "pinyin": "A", "meta": "B"}
MAX_POSITION = 16383
MIN_SCORE = 1e-9


def lexeme(token: str) -> str:
    """A quoted tsvector/tsquery lexeme."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def plain_vector(tokens: list[str]) -> str:
    """A tsvector literal of lexemes without positions (matching only)."""
    return " ".join(lexeme(t) for t in dict.fromkeys(tokens))


def head_vector(analysed: IndexedText) -> str:
    """The weighted tsvector of title, pinyin and metadata, one position per token."""
    parts: list[str] = []
    position = 0
    for name, weight in HEAD_WEIGHTS.items():
        for token in analysed.fields()[name]:
            position = min(position + 1, MAX_POSITION)
            parts.append(f"{lexeme(token)}:{position}{weight}")
    return " ".join(parts)


def tsquery_literal(terms: list[QueryTerm]) -> str:
    """A tsquery requiring every term, each token matched as a prefix."""
    conjuncts = []
    for term in terms:
        options = [" & ".join(lexeme(t) + ":*" for t in alt) for alt in term.alternatives]
        conjuncts.append("(" + " | ".join(f"({o})" for o in options) + ")")
    return " & ".join(conjuncts)


@contextmanager
def text_index_preferred(session: Session) -> Iterator[None]:
    """Within the block, plan word matches through the GIN indexes, not a sequential scan.

    The planner prices ``tsv @@ query`` as a cheap operator and so, for a broad word, prefers
    a sequential scan, which detoasts every vector (hundreds of milliseconds on 100,000
    entries); the bitmap scan of the GIN index needs no recheck and never reads them. The
    setting is transaction-local and restored afterwards.
    """
    previous = session.scalar(select(func.current_setting("enable_seqscan")))
    session.execute(select(func.set_config("enable_seqscan", "off", True)))
    yield
    session.execute(select(func.set_config("enable_seqscan", previous, True)))


class PostgresSearchBackend(SQLSearchBackend):
    """Search over GIN-indexed tsvector columns of ``search_entries``."""

    def search(self, session: Session, query: SearchQuery, actor: Actor) -> SearchResult:
        if not query_terms(query.q):
            return super().search(session, query, actor)
        with text_index_preferred(session):
            return super().search(session, query, actor)

    def entry_values(self, doc: SearchDocument, analysed: IndexedText) -> dict[str, Any]:
        every = [token for tokens in analysed.fields().values() for token in tokens]
        return {
            **entry_row(doc),
            "tsv": plain_vector(every),
            "head_tsv": head_vector(analysed),
            "items_tsv": plain_vector(analysed.items),
        }

    def text_match(self, terms: list[QueryTerm], *, in_items: bool) -> TextMatch:
        query: Any = cast(literal(tsquery_literal(terms), Text), TSQUERY)
        if in_items:
            return TextMatch(condition=SearchEntry.items_tsv.op("@@")(query))
        head = aliased(SearchEntry)
        rank = func.greatest(func.ts_rank(SearchEntry.head_tsv, query), MIN_SCORE)
        return TextMatch(
            condition=SearchEntry.tsv.op("@@")(query),
            # float8, not ts_rank's float4: a cursor's key must round-trip through JSON exactly.
            head_score=cast(rank, DOUBLE_PRECISION),
            head_ids=select(head.dataset_id).where(head.head_tsv.op("@@")(query)),
            head_condition=SearchEntry.head_tsv.op("@@")(query),
        )
