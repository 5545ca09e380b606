"""Sorting and keyset pagination: every hit exactly once, and tampered cursors refused."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy.orm import Session

from kaifang.auth.actor import ANONYMOUS
from kaifang.catalog.schemas import DataItemIn
from kaifang.errors import BadRequest
from kaifang.search import queries, service, text
from kaifang.search.cursor import Cursor, encode_cursor
from kaifang.search.models import SearchEntry
from kaifang.search.schemas import SearchQuery
from tests import factories

from .conftest import Catalogue, publish


def ids(session: Session, **kwargs: object) -> list[int]:
    query = SearchQuery(**kwargs)  # type: ignore[arg-type]
    return [h["id"] for h in service.search_datasets(session, actor=ANONYMOUS, query=query).items]


def walk(session: Session, **kwargs: object) -> list[int]:
    """Every id of a search, page by page."""
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        query = SearchQuery(cursor=cursor, **kwargs)  # type: ignore[arg-type]
        result = service.search_datasets(session, actor=ANONYMOUS, query=query)
        seen += [h["id"] for h in result.items]
        cursor = result.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("pagination does not end")


def test_sort_orders(session: Session, catalogue: Catalogue) -> None:
    c = catalogue
    assert ids(session, sort="newest") == [c.water.id, c.clinics.id, c.parking.id, c.bus.id]
    assert ids(session, sort="updated") == [c.bus.id, c.parking.id, c.clinics.id, c.water.id]
    assert ids(session, sort="views") == [c.bus.id, c.clinics.id, c.water.id, c.parking.id]
    assert ids(session, sort="downloads") == [c.water.id, c.parking.id, c.clinics.id, c.bus.id]


def test_relevance_prefers_title_matches(session: Session, catalogue: Catalogue) -> None:
    result = ids(session, q="停车场")
    assert result[0] == catalogue.parking.id
    mixed = ids(session, q="医疗")
    assert mixed[0] == catalogue.clinics.id


def test_relevance_without_words_falls_back_to_newest(
    session: Session, catalogue: Catalogue
) -> None:
    query = SearchQuery(sort="relevance")
    result = service.search_datasets(session, actor=ANONYMOUS, query=query)
    assert result.sort == "newest"
    assert [h["id"] for h in result.items] == ids(session, sort="newest")


@pytest.mark.parametrize("sort", ["relevance", "newest", "updated", "views", "downloads"])
def test_pagination_visits_every_hit_once(session: Session, sort: str) -> None:
    officer = factories.actor(session, role="officer")
    made = [publish(session, officer, title=f"公交站点{n}") for n in range(7)]
    for n, ds in enumerate(made):
        ds.views = n % 2  # ties, broken by id
        ds.downloads = 5
    session.flush()
    service.reindex_all(session)
    expected = {ds.id for ds in made}
    for size in (1, 2, 3, 7, 10):
        seen = walk(session, q="公交", sort=sort, size=size)
        assert len(seen) == len(expected) and set(seen) == expected
    assert walk(session, sort=sort, size=2) == ids(session, sort=sort, size=100)


def test_filtered_pagination_keeps_the_filter(session: Session, catalogue: Catalogue) -> None:
    seen = walk(session, filters={"format": ["CSV"]}, sort="views", size=1)
    assert seen == [catalogue.bus.id, catalogue.water.id, catalogue.parking.id]


def _token(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


TAMPERED = [
    "not-a-cursor!!",
    "e30",  # {}
    _token([1, 2]),
    _token({"s": "newest", "k": "x", "i": 1}),
    _token({"s": "views", "k": 1, "i": 1}),  # issued for another sort
    _token({"s": "newest", "k": 1, "i": 1, "extra": 1}),
    _token({"s": "newest", "k": 1.5, "i": 1}),
    _token({"s": "newest", "k": 1, "i": True}),
    _token({"s": "newest", "k": 2**70, "i": 1}),
    base64.urlsafe_b64encode(b'{"s": "newest", "k": NaN, "i": 1}').decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "A" * 600,
]


def test_tampered_cursor_is_a_bad_request(session: Session, catalogue: Catalogue) -> None:
    for cursor in TAMPERED:
        with pytest.raises(BadRequest):
            ids(session, sort="newest", cursor=cursor[:512])


def test_relevance_cursor_must_hold_an_integer(session: Session, catalogue: Catalogue) -> None:
    ids(session, q="信息", cursor=encode_cursor(Cursor("relevance", 5, catalogue.bus.id)))
    for key in ("inf", 0.5, None):
        with pytest.raises(BadRequest):
            ids(session, q="信息", cursor=_token({"s": "relevance", "k": key, "i": 1}))


def test_relevance_ranks_title_then_metadata_then_summary_then_items(session: Session) -> None:
    officer = factories.actor(session, role="officer")
    plain = {"summary": "与查询无关的摘要内容。", "keywords": ["无关"]}
    in_items = publish(
        session,
        officer,
        title="停车场甲",
        items=[DataItemIn(label="充电桩数量", name="charger_count")],
        **plain,
    )
    in_summary = publish(session, officer, title="停车场乙", summary="本停车场设有充电桩若干处。")
    in_keywords = publish(
        session, officer, title="停车场丙", summary="与查询无关的摘要内容。", keywords=["充电桩"]
    )
    in_title = [publish(session, officer, title=f"充电桩分布{n}", **plain) for n in range(3)]
    in_title[0].views = 500  # most viewed first within a tier
    session.flush()
    service.reindex_all(session)
    seen = walk(session, q="充电桩", size=2)
    assert seen[0] == in_title[0].id
    assert set(seen[:3]) == {ds.id for ds in in_title}
    assert seen[3:] == [in_keywords.id, in_summary.id, in_items.id]


def test_tier_by_tier_pages_follow_the_relevance_key_exactly(session: Session) -> None:
    """The page read tier by tier equals ordering every match by the full relevance key."""
    officer = factories.actor(session, role="officer")
    plain = {"summary": "与查询无关的摘要内容。", "keywords": ["无关"]}
    made = []
    for n in range(4):
        made.append(publish(session, officer, title=f"充电桩分布{n}", **plain))
        made.append(
            publish(
                session,
                officer,
                title=f"停车场丙{n}",
                keywords=["充电桩"],
                summary="与查询无关的摘要内容。",
            )
        )
        made.append(
            publish(session, officer, title=f"停车场乙{n}", summary="本停车场设有充电桩若干处。")
        )
        made.append(
            publish(
                session,
                officer,
                title=f"停车场甲{n}",
                items=[DataItemIn(label="充电桩数量", name="charger_count")],
                **plain,
            )
        )
    for n, ds in enumerate(made):
        ds.views = (n * 7) % 3  # ties within every tier, broken by id
    session.flush()
    service.reindex_all(session)
    backend = service.backend_for(session)
    match = backend.text_match(text.query_terms("充电桩"), in_items=False)
    key = queries.relevance_key(match)
    everything = queries.matched_select(
        [SearchEntry.dataset_id, key.label("k")], actor=ANONYMOUS, match=match, filters={}
    ).order_by(key.desc(), SearchEntry.dataset_id.desc())
    expected = [int(i) for i, _ in session.execute(everything)]
    assert len(expected) == len(made)
    for size in (1, 2, 3, 5, 16):
        assert walk(session, q="充电桩", size=size) == expected
