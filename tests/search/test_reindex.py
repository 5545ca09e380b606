"""Keeping the index in step: reindex one dataset, all of them, and after-commit events."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.auth.actor import ANONYMOUS, SYSTEM, Actor
from kaifang.catalog import service as catalog_service
from kaifang.catalog import workflow
from kaifang.catalog.schemas import DatasetPatch
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.db import Database
from kaifang.events import DatasetChanged
from kaifang.search import service
from kaifang.search.documents import build_document, load_documents
from kaifang.search.models import SearchEntry, SearchFacet, SearchSuggestion
from kaifang.search.schemas import SearchQuery
from tests import factories

from .conftest import Catalogue


def found(session: Session, q: str, actor: Actor = ANONYMOUS) -> set[str]:
    result = service.search_datasets(session, actor=actor, query=SearchQuery(q=q))
    return {h["title"] for h in result.items}


def test_reindex_after_an_edit(session: Session, catalogue: Catalogue) -> None:
    officer = catalogue.traffic_officer
    catalog_service.update_dataset(
        session,
        actor=officer,
        dataset_id=catalogue.draft.id,
        patch=DatasetPatch(title="网约车营运草稿"),
    )
    session.flush()
    assert service.reindex_dataset(session, catalogue.draft.id)
    assert found(session, "网约车", officer) == {"网约车营运草稿"}
    assert found(session, "秘密", officer) == set()
    assert [s.title for s in service.suggest(session, actor=officer, prefix="wyc")] == [
        "网约车营运草稿"
    ]


def test_reindex_after_withdrawal(session: Session, catalogue: Catalogue) -> None:
    workflow.withdraw_dataset(
        session, actor=SYSTEM, dataset_id=catalogue.bus.id, reason="数据已停止更新"
    )
    session.flush()
    service.reindex_dataset(session, catalogue.bus.id)
    assert "台州市公交线路信息" not in found(session, "公交")
    assert service.suggest(session, actor=ANONYMOUS, prefix="公交") == []
    assert "台州市公交线路信息" in found(session, "公交", catalogue.traffic_officer)


def test_reindex_of_a_missing_dataset_removes_it(session: Session, catalogue: Catalogue) -> None:
    assert service.reindex_dataset(session, 10**9) is False
    backend = service.backend_for(session)
    backend.remove(session, [catalogue.water.id])
    assert found(session, "饮用水") == set()
    for model in (SearchEntry, SearchFacet, SearchSuggestion):
        stmt = select(func.count()).where(model.dataset_id == catalogue.water.id)
        assert session.scalar(stmt) == 0
    assert service.reindex_all(session) >= 5
    assert found(session, "饮用水") == {"饮用水监测点位"}


def test_reindex_all_is_idempotent(session: Session, catalogue: Catalogue) -> None:
    before = session.scalar(select(func.count()).select_from(SearchFacet))
    service.reindex_all(session, batch_size=2)
    service.reindex_all(session, batch_size=2)
    assert session.scalar(select(func.count()).select_from(SearchFacet)) == before
    assert found(session, "公交") == {"台州市公交线路信息"}


def test_handler_reindexes_after_commit(db: Database, session: Session) -> None:
    db.handlers.append(service.make_reindex_handler(db))
    with db.unit_of_work() as uow:
        ds = factories.published_dataset(uow, title="公共自行车租赁点")
        dataset_id = ds.id
    assert found(session, "自行车") == {"公共自行车租赁点"}
    with db.unit_of_work() as uow:
        workflow.withdraw_dataset(uow, actor=SYSTEM, dataset_id=dataset_id, reason="停止服务")
    assert found(session, "自行车") == set()


def test_handler_ignores_other_events_and_logs_failures(
    db: Database,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = service.make_reindex_handler(db)
    handler(object())
    handler(DatasetChanged(10**9))  # no such dataset: nothing to index

    def broken(session: Session, dataset_id: int) -> bool:
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(service, "reindex_dataset", broken)
    handler(DatasetChanged(1))  # the commit already happened; the failure is logged
    assert "search reindex of dataset 1 failed" in caplog.text


def test_bulk_and_single_documents_agree(session: Session, catalogue: Catalogue) -> None:
    vocabulary = VocabularyIndex(session)
    regions = {"3310": "台州市", "331002": "椒江区"}
    for ds in (catalogue.bus, catalogue.parking, catalogue.draft):
        (loaded,) = load_documents(session, [ds.id], vocabulary=vocabulary, region_names=regions)
        assert loaded == build_document(ds, vocabulary=vocabulary, region_names=regions)
