"""The public search result cache: reused until the index changes, never for scoped actors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.orm import Session

from kaifang.auth.actor import ANONYMOUS, SYSTEM
from kaifang.catalog import workflow
from kaifang.search import service
from kaifang.search.cache import ResultCache, current_token
from kaifang.search.queries import Found
from kaifang.search.schemas import SearchQuery

from .conftest import Catalogue, publish


def search(session: Session, cache: ResultCache[Found], **kwargs: object) -> list[int]:
    query = SearchQuery(**kwargs)  # type: ignore[arg-type]
    result = service.search_datasets(session, actor=ANONYMOUS, query=query, cache=cache)
    return [hit["id"] for hit in result.items]


def test_a_repeated_public_search_is_answered_from_the_cache(
    session: Session, catalogue: Catalogue
) -> None:
    cache: ResultCache[Found] = ResultCache(100, 600)
    first = search(session, cache, q="停车场", filters={"format": ["CSV"]})
    assert (cache.hits, cache.misses) == (0, 1)
    assert search(session, cache, q="停车场", filters={"format": ["CSV"]}) == first
    assert (cache.hits, cache.misses) == (1, 1)
    # Any difference in words, filters, sort or page size is another question.
    search(session, cache, q="停车场", filters={"format": ["JSON"]})
    search(session, cache, q="停车场", filters={"format": ["CSV"]}, sort="newest")
    search(session, cache, q="停车场", filters={"format": ["CSV"]}, size=5)
    assert (cache.hits, cache.misses) == (1, 4)


def test_any_index_write_makes_cached_results_unreachable(
    session: Session, catalogue: Catalogue
) -> None:
    cache: ResultCache[Found] = ResultCache(100, 600)
    before = search(session, cache, q="停车场")
    token = current_token(session)
    newer = publish(session, catalogue.traffic_officer, title="路桥区停车场泊位")
    service.reindex_dataset(session, newer.id)
    assert current_token(session) != token
    after = search(session, cache, q="停车场")
    assert newer.id in after and newer.id not in before
    workflow.withdraw_dataset(session, actor=SYSTEM, dataset_id=newer.id, reason="测试下线")
    service.reindex_dataset(session, newer.id)
    assert newer.id not in search(session, cache, q="停车场")
    assert cache.hits == 0


def test_officers_and_reviewers_are_never_served_from_the_cache(
    session: Session, catalogue: Catalogue
) -> None:
    cache: ResultCache[Found] = ResultCache(100, 600)
    for _ in range(2):
        result = service.search_datasets(
            session,
            actor=catalogue.traffic_officer,
            query=SearchQuery(q="出租车"),
            cache=cache,
        )
        assert [hit["id"] for hit in result.items] == [catalogue.draft.id]
    assert (cache.hits, cache.misses, len(cache)) == (0, 0, 0)
    assert search(session, cache, q="出租车") == []  # the public never sees the draft


@pytest.mark.parametrize(("entries", "seconds"), [(0, 600), (100, 0)])
def test_a_zero_setting_turns_the_cache_off(
    session: Session, catalogue: Catalogue, entries: int, seconds: int
) -> None:
    cache: ResultCache[Found] = ResultCache(entries, seconds)
    search(session, cache, q="停车场")
    search(session, cache, q="停车场")
    assert (cache.hits, cache.misses, len(cache)) == (0, 0, 0)


def test_the_cache_keeps_only_the_most_recent_searches(
    session: Session, catalogue: Catalogue
) -> None:
    cache: ResultCache[Found] = ResultCache(2, 600)
    for word in ("停车场", "公交", "医疗", "停车场"):
        search(session, cache, q=word)
    assert len(cache) == 2 and (cache.hits, cache.misses) == (0, 4)
    search(session, cache, q="停车场")
    assert cache.hits == 1


def test_after_an_index_change_the_most_asked_searches_are_recomputed_ahead(
    session: Session, catalogue: Catalogue
) -> None:
    @contextmanager
    def reader() -> Iterator[Session]:
        yield session

    cache: ResultCache[Found] = ResultCache(
        100, 600, reader=reader, refresh_top=1, spawn=lambda work: work()
    )
    for _ in range(3):
        search(session, cache, q="停车场")
    search(session, cache, q="医疗")
    newer = publish(session, catalogue.traffic_officer, title="路桥区停车场泊位")
    service.reindex_dataset(session, newer.id)
    hits = cache.hits
    search(session, cache, q="公交")  # the first lookup under the new token starts the refresh
    assert cache.refreshed == 1
    assert newer.id in search(session, cache, q="停车场")  # recomputed: fresh, and a hit
    assert cache.hits == hits + 1
    search(session, cache, q="医疗")  # not among the top one: asked again
    assert cache.hits == hits + 1
