"""Bulk imports reindex in a background job; single edits still reindex after commit."""

from __future__ import annotations

from sqlalchemy import select

from kaifang.auth.actor import Actor
from kaifang.catalog import service as catalog_service
from kaifang.catalog.bulk import import_catalog
from kaifang.catalog.schemas import DatasetPatch
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.config import Settings
from kaifang.db import Database
from kaifang.events import REINDEX_JOB
from kaifang.jobs import InlineJobQueue, Job, JobStatus
from kaifang.search import service
from kaifang.search import tasks as search_tasks
from kaifang.search.schemas import SearchQuery
from tests import factories

HEADER = "目录编码,数据集名称,数据摘要,开放领域,开放属性,更新频率\n"
TITLES = ("港口集装箱吞吐量", "海塘堤防巡查记录", "渔船进出港登记")


def _csv() -> bytes:
    rows = "".join(f",{t},{t}月度统计。,交通出行,无条件开放,每月\n" for t in TITLES)
    return (HEADER + rows).encode()


def _found(db: Database, actor: Actor, q: str) -> set[str]:
    with db.unit_of_work(write=False) as session:
        result = service.search_datasets(session, actor=actor, query=SearchQuery(q=q))
        return {hit["title"] for hit in result.items}


def _officer(db: Database) -> Actor:
    with db.unit_of_work() as session:
        seed_vocabularies(session)
        org = factories.organization(session)
        return factories.actor(session, role="officer", org=org)


def _reindex_jobs(db: Database) -> list[Job]:
    with db.unit_of_work(write=False) as session:
        return list(session.scalars(select(Job).where(Job.kind == REINDEX_JOB)))


def test_bulk_import_is_searchable_once_its_job_runs(db: Database, settings: Settings) -> None:
    assert search_tasks.reindex_datasets_job  # the module registers the job kind
    db.handlers.append(service.make_reindex_handler(db))
    officer = _officer(db)
    with db.unit_of_work() as session:
        report = import_catalog(
            session,
            actor=officer,
            data=_csv(),
            filename="catalog.csv",
            code_template=factories.TEMPLATE,
        )
    assert report.created == 3
    # Committed, but the after-commit handler did not reindex the imported datasets one by one.
    assert _found(db, officer, "吞吐量") == set()
    [job] = _reindex_jobs(db)
    assert job.status == JobStatus.QUEUED
    assert sorted(job.payload["dataset_ids"]) == sorted(report.dataset_ids)

    InlineJobQueue(db, settings).enqueue(job.id)

    [done] = _reindex_jobs(db)
    assert done.status == JobStatus.SUCCEEDED and done.result == {"datasets": 3, "indexed": 3}
    assert _found(db, officer, "吞吐量") == {"港口集装箱吞吐量"}
    assert _found(db, officer, "渔船") == {"渔船进出港登记"}


def test_a_single_edit_still_reindexes_after_commit(db: Database) -> None:
    db.handlers.append(service.make_reindex_handler(db))
    officer = _officer(db)
    with db.unit_of_work() as session:
        dataset = factories.dataset(session, actor=officer, title="海岛供水管网")
    assert _found(db, officer, "供水") == {"海岛供水管网"}
    with db.unit_of_work() as session:
        catalog_service.update_dataset(
            session, actor=officer, dataset_id=dataset.id, patch=DatasetPatch(title="海岛排水管网")
        )
    assert _found(db, officer, "排水") == {"海岛排水管网"}
    assert _reindex_jobs(db) == []
