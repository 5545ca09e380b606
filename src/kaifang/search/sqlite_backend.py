"""SQLite backend: an FTS5 table of jieba tokens, one column per field, prefix queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, bindparam, column, literal, literal_column, select, table, text
from sqlalchemy.orm import Session

from kaifang.search.base import SQLSearchBackend
from kaifang.search.ddl import FTS_COLUMNS, FTS_TABLE
from kaifang.search.documents import IndexedText, SearchDocument
from kaifang.search.models import SearchEntry
from kaifang.search.queries import TextMatch
from kaifang.search.text import QueryTerm

# Column groups of the relevance tiers, best first (see kaifang.search.queries).
TIER_COLUMNS = (("title",), ("title", "meta"), ("title", "meta", "summary"))

_fts = table(FTS_TABLE, column("rowid"))
_INSERT = text(
    f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) "
    f"VALUES (:rowid, {', '.join(':' + c for c in FTS_COLUMNS)})"
)
_DELETE = text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def fts_expression(terms: list[QueryTerm], *, columns: tuple[str, ...] = ()) -> str:
    """An FTS5 MATCH expression: every token quoted as a string and matched as a prefix."""
    conjuncts = []
    for term in terms:
        options = [" AND ".join(_quoted(t) for t in alt) for alt in term.alternatives]
        conjuncts.append("(" + " OR ".join(f"({o})" for o in options) + ")")
    expression = " AND ".join(conjuncts)
    return "{" + " ".join(columns) + "} : (" + expression + ")" if columns else expression


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"*'


def _matching(expression: str) -> Any:
    """Entries whose FTS row matches ``expression`` (the FTS5 query is a bound parameter)."""
    ids = select(_fts.c.rowid).where(
        literal_column(FTS_TABLE).op("MATCH")(literal(expression, String))
    )
    return SearchEntry.dataset_id.in_(ids)


class SQLiteSearchBackend(SQLSearchBackend):
    """Search over SQLite FTS5 (created by ``ddl.ensure_schema``)."""

    def write_text(
        self, session: Session, analysed: list[tuple[SearchDocument, IndexedText]]
    ) -> None:
        rows = [
            {"rowid": doc.dataset_id, **{k: " ".join(v) for k, v in tokens.fields().items()}}
            for doc, tokens in analysed
        ]
        session.execute(_INSERT, rows)

    def delete_text(self, session: Session, ids: list[int]) -> None:
        session.execute(_DELETE, {"ids": ids})

    def text_match(self, terms: list[QueryTerm], *, in_items: bool) -> TextMatch:
        if in_items:
            return TextMatch(_matching(fts_expression(terms, columns=("items",))))
        return TextMatch(
            condition=_matching(fts_expression(terms)),
            tiers=tuple(_matching(fts_expression(terms, columns=c)) for c in TIER_COLUMNS),
        )
