"""SQLite backend: an FTS5 table of jieba tokens (one column per weighted field), bm25 ranking."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, bindparam, column, func, literal, literal_column, select, table, text
from sqlalchemy.orm import Session

from kaifang.search.base import SQLSearchBackend
from kaifang.search.ddl import FTS_COLUMNS, FTS_TABLE
from kaifang.search.documents import IndexedText, SearchDocument
from kaifang.search.models import SearchEntry
from kaifang.search.queries import TextMatch
from kaifang.search.text import QueryTerm

# bm25 weight per FTS column, in FTS_COLUMNS order: a title word counts most, an item least.
COLUMN_WEIGHTS = {"title": 10.0, "pinyin": 6.0, "meta": 4.0, "summary": 2.0, "items": 1.0}

_fts = table(FTS_TABLE, column("rowid"))
_INSERT = text(
    f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) "
    f"VALUES (:rowid, {', '.join(':' + c for c in FTS_COLUMNS)})"
)
_DELETE = text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


HEAD_COLUMNS = "{title pinyin meta}"


def fts_expression(terms: list[QueryTerm], *, columns: str | None = None) -> str:
    """An FTS5 MATCH expression: every token quoted as a string and matched as a prefix."""
    conjuncts = []
    for term in terms:
        options = [" AND ".join(_quoted(t) for t in alt) for alt in term.alternatives]
        conjuncts.append("(" + " OR ".join(f"({o})" for o in options) + ")")
    expression = " AND ".join(conjuncts)
    return f"{columns} : ({expression})" if columns else expression


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"*'


def _matching(expression: str) -> Any:
    return literal_column(FTS_TABLE).op("MATCH")(literal(expression, String))


def _matching_ids(expression: str) -> Any:
    return select(_fts.c.rowid).where(_matching(expression))


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
        entry_id = SearchEntry.dataset_id
        if in_items:
            return TextMatch(entry_id.in_(_matching_ids(fts_expression(terms, columns="{items}"))))
        head = fts_expression(terms, columns=HEAD_COLUMNS)
        weights: list[Any] = [literal_column(repr(COLUMN_WEIGHTS[c])) for c in FTS_COLUMNS]
        score: Any = -func.bm25(literal_column(FTS_TABLE), *weights)
        scored = (
            select(_fts.c.rowid.label("dataset_id"), score.label("score"))
            .where(_matching(head))
            .subquery("head")
        )
        return TextMatch(
            condition=entry_id.in_(_matching_ids(fts_expression(terms))),
            head_score=scored.c.score,
            head_ids=_matching_ids(head),
            head_source=scored,
        )
