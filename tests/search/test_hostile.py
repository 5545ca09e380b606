"""Hostile query strings: FTS or tsquery syntax and SQL quotes are words, never syntax."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from kaifang.auth.actor import ANONYMOUS
from kaifang.search import service
from kaifang.search.schemas import SearchQuery

from .conftest import Catalogue

HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "公交*",
    "NEAR(",
    "NEAR(公交 线路, 2)",
    "-",
    "-公交",
    "OR",
    "公交 OR 医疗",
    "AND NOT",
    "title:公交",
    "{items}: 公交",
    "^公交",
    "公交 & | ! <->",
    "(公交",
    "':* & '",
    "'; DROP TABLE search_entries; --",
    "\\",
    "%_%",
    "\x00公交",
    "𠀀𠀁",
    "ＮＥＡＲ（公交）",
    " " * 50,
    "公" * 200,
]


@pytest.mark.parametrize("in_items", [False, True])
def test_hostile_queries_never_error(
    session: Session, catalogue: Catalogue, in_items: bool
) -> None:
    for q in HOSTILE:
        query = SearchQuery(q=q, in_items=in_items, size=5)
        result = service.search_datasets(session, actor=ANONYMOUS, query=query)
        assert result.total >= 0, q
        assert all(h["status"] == "published" for h in result.items), q
        service.suggest(session, actor=ANONYMOUS, prefix=q)


def test_operator_words_are_searched_as_words(session: Session, catalogue: Catalogue) -> None:
    query = SearchQuery(q="公交 OR 医疗")
    assert service.search_datasets(session, actor=ANONYMOUS, query=query).total == 0
    query = SearchQuery(q="-公交")
    titles = {
        h["title"] for h in service.search_datasets(session, actor=ANONYMOUS, query=query).items
    }
    assert "台州市公交线路信息" in titles
