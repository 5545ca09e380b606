"""Harvesting a second live Kaifang over loopback, as the job runs it, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kaifang.auth.actor import SYSTEM
from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.config import Settings
from kaifang.db import Database
from kaifang.interop.harvest import service
from kaifang.interop.harvest.models import HarvestRecord, HarvestRun
from kaifang.interop.harvest.schemas import SourceIn, SourcePatch
from kaifang.jobs import JobStatus, get_job, run_job
from tests import factories
from tests.interop.harvest.instances import (
    SourceInstance,
    canned_server,
    kaifang_instance,
    withdraw_at_source,
)


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[SourceInstance]:
    with kaifang_instance(tmp_path / "source") as instance:
        yield instance


def _settings(settings: Settings, *hosts: str) -> Settings:
    return settings.model_copy(update={"harvest_trusted_hosts": list(hosts)})


def _source(db: Database, kind: str, url: str) -> int:
    with db.unit_of_work() as session:
        seed_vocabularies(session)
        org = factories.organization(session, region_code="3310", name="台州市大数据发展管理局")
        source = service.create_source(
            session,
            actor=SYSTEM,
            data=SourceIn(name=f"jiaojiang-{kind}", kind=kind, url=url, organization_id=org.id),
        )
        return source.id


def _run(db: Database, settings: Settings, source_id: int) -> HarvestRun:
    with db.unit_of_work() as session:
        job_id = service.start_run(session, actor=SYSTEM, source_id=source_id).job_id
    assert job_id is not None
    run_job(db, settings, job_id)
    with db.unit_of_work(write=False) as session:
        run = session.scalars(select(HarvestRun).where(HarvestRun.job_id == job_id)).one()
        session.expunge(run)
        return run


def _counts(run: HarvestRun) -> tuple[int, int, int, int, int]:
    return run.created, run.updated, run.unchanged, run.deleted, run.failed


def _harvested(db: Database, source_id: int) -> list[Dataset]:
    with db.unit_of_work(write=False) as session:
        ids = session.scalars(
            select(HarvestRecord.dataset_id).where(HarvestRecord.source_id == source_id)
        ).all()
        found = session.scalars(select(Dataset).where(Dataset.id.in_(ids))).all()
        for dataset in found:
            session.expunge(dataset)
        return list(found)


def _rename_at_source(remote: SourceInstance, dataset_id: int, title: str) -> None:
    with remote.runtime.db.unit_of_work() as session:
        dataset = session.get(Dataset, dataset_id)
        assert dataset is not None
        dataset.title = title


def _set_status_at_source(remote: SourceInstance, dataset_id: int, status: str) -> None:
    with remote.runtime.db.unit_of_work() as session:
        dataset = session.get(Dataset, dataset_id)
        assert dataset is not None
        dataset.status = status


@pytest.mark.parametrize("kind,path", [("ckan", ""), ("dcat", "/catalog.ttl")])
def test_harvest_creates_then_skips_updates_and_deletes(
    db: Database, settings: Settings, remote: SourceInstance, kind: str, path: str
) -> None:
    settings = _settings(settings, remote.host)
    source_id = _source(db, kind, remote.url + path)

    first = _run(db, settings, source_id)
    assert first.status == "succeeded", first.error
    assert _counts(first) == (3, 0, 0, 0, 0)
    datasets = _harvested(db, source_id)
    assert sorted(d.title for d in datasets) == sorted(
        ["公交线路信息", "空气质量监测日报", "企业登记信息"]
    )
    assert {d.status for d in datasets} == {"published"}
    assert all(d.domains == ["jiao-tong-chu-xing"] for d in datasets)

    second = _run(db, settings, source_id)
    assert _counts(second) == (0, 0, 3, 0, 0)

    _rename_at_source(remote, remote.dataset_ids[1], "空气质量监测日报（修订）")
    third = _run(db, settings, source_id)
    assert _counts(third) == (0, 1, 2, 0, 0)
    assert [e["title"] for e in third.report if e["action"] == "updated"] == [
        "空气质量监测日报（修订）"
    ]

    withdraw_at_source(remote, remote.dataset_ids[2])
    fourth = _run(db, settings, source_id)
    assert _counts(fourth) == (0, 0, 2, 1, 0)
    after = {d.title: d for d in _harvested(db, source_id)}
    assert len(after) == 3
    assert after["企业登记信息"].status == "withdrawn"
    assert "jiaojiang" in after["企业登记信息"].withdrawn_reason

    _set_status_at_source(remote, remote.dataset_ids[2], "published")
    fifth = _run(db, settings, source_id)
    assert _counts(fifth) == (0, 1, 2, 0, 0)
    restored = {d.title: d for d in _harvested(db, source_id)}["企业登记信息"]
    assert (restored.status, restored.withdrawn_reason) == ("published", "")


def test_ckan_harvest_keeps_links_and_catalogue_fields(
    db: Database, settings: Settings, remote: SourceInstance
) -> None:
    source_id = _source(db, "ckan", remote.url)
    run = _run(db, _settings(settings, remote.host), source_id)
    assert run.status == "succeeded", run.error
    with db.unit_of_work(write=False) as session:
        dataset = session.scalars(select(Dataset).where(Dataset.title == "公交线路信息")).one()
        links = session.scalars(select(Resource).where(Resource.dataset_id == dataset.id)).all()
        assert [(r.kind, r.url, r.format) for r in links] == [
            ("api", "https://example.org/api/lines", "API")
        ]
        assert dataset.update_frequency == "monthly"
        assert dataset.keywords[0] == "测试"
        assert dataset.source_system == "harvest:jiaojiang-ckan"


def test_identifier_change_at_source_updates_instead_of_duplicating(
    db: Database, settings: Settings, remote: SourceInstance
) -> None:
    settings = _settings(settings, remote.host)
    source_id = _source(db, "ckan", remote.url)
    _run(db, settings, source_id)
    with db.unit_of_work() as session:
        link = session.scalars(select(HarvestRecord).where(HarvestRecord.source_id == source_id))
        first = link.first()
        assert first is not None
        first.guid = "an-old-identifier"  # as if the source had re-keyed this record since
    run = _run(db, settings, source_id)
    assert _counts(run) == (0, 1, 2, 0, 0)
    with db.unit_of_work(write=False) as session:
        total = session.scalar(
            select(func.count(HarvestRecord.id)).where(HarvestRecord.source_id == source_id)
        )
    assert total == 3


def test_loopback_source_is_refused_unless_allow_listed(
    db: Database, settings: Settings, remote: SourceInstance
) -> None:
    source_id = _source(db, "ckan", remote.url)
    run = _run(db, settings, source_id)
    assert run.status == "failed"
    assert run.error.startswith("读取来源失败 (cannot read the source)")
    assert "not allowed" in run.error or "refused" in run.error
    assert _harvested(db, source_id) == []
    other = _run(db, _settings(settings, "127.0.0.1:1"), source_id)
    assert other.status == "failed", "a different port of the host is not allow-listed"


@pytest.mark.parametrize(
    "status,body,reason",
    [
        (200, b"<html>not json</html>", "valid JSON"),
        (500, b"{}", "HTTP 500"),
        (200, b'{"success": true, "result": {"count": 1, "results": ["oops"]}}', None),
    ],
)
def test_broken_source_fails_with_a_reason_and_keeps_previous_state(
    db: Database,
    settings: Settings,
    remote: SourceInstance,
    status: int,
    body: bytes,
    reason: str | None,
) -> None:
    source_id = _source(db, "ckan", remote.url)
    assert _run(db, _settings(settings, remote.host), source_id).status == "succeeded"
    with canned_server(status, body) as host:
        with db.unit_of_work() as session:
            patch = SourcePatch(url=f"http://{host}")
            service.update_source(session, actor=SYSTEM, source_id=source_id, patch=patch)
        run = _run(db, _settings(settings, host), source_id)
    if reason is None:
        assert run.status == "failed" and "no usable datasets" in run.error
    else:
        assert run.status == "failed" and reason in run.error
        with db.unit_of_work(write=False) as session:
            job = get_job(session, run.job_id or 0)
            assert job.status == JobStatus.FAILED and reason in (job.error or "")
    assert {d.status for d in _harvested(db, source_id)} == {"published"}


def test_one_bad_record_fails_alone_with_its_reason(db: Database, settings: Settings) -> None:
    good = {"id": "a1", "name": "bus", "title": "公交线路", "groups": [{"name": "天气"}]}
    bad = {"id": "a2", "name": "x", "title": ""}
    page = {"success": True, "result": {"count": 2, "results": [good, bad]}}
    with canned_server(200, json.dumps(page).encode()) as host:
        source_id = _source(db, "ckan", f"http://{host}")
        run = _run(db, _settings(settings, host), source_id)
    assert run.status == "succeeded" and _counts(run) == (1, 0, 0, 0, 1)
    entries = {e["identifier"]: e for e in run.report}
    assert "no usable title" in entries["x"]["reason"]
    assert entries["bus"]["notes"] == ["未匹配的领域 (unmapped theme): 天气"]


@pytest.mark.parametrize("kind,path", [("ckan", ""), ("dcat", "/catalog.ttl")])
def test_records_go_to_the_region_organization_named_as_their_publisher(
    db: Database, settings: Settings, remote: SourceInstance, kind: str, path: str
) -> None:
    """A county platform's departments keep their own datasets in the city's catalogue."""
    settings = _settings(settings, remote.host)
    with db.unit_of_work() as session:
        seed_vocabularies(session)
        bureau = factories.organization(session, region_code="3310", name="台州市大数据发展管理局")
        elsewhere = factories.organization(session, region_code="3302", name="宁波市某局")
        source_id = service.create_source(
            session,
            actor=SYSTEM,
            data=SourceIn(
                name=f"county-{kind}",
                kind=kind,
                url=remote.url + path,
                organization_id=bureau.id,
                filters={"match_publishers": True},
            ),
        ).id
        bureau_id, elsewhere_id = bureau.id, elsewhere.id

    first = _run(db, settings, source_id)
    assert _counts(first) == (3, 0, 0, 0, 0)
    assert {d.organization_id for d in _harvested(db, source_id)} == {bureau_id}
    assert all("椒江区交通运输局" in " ".join(e.get("notes", [])) for e in first.report)

    # The department is registered in the city's catalogue (in the county, under the city).
    with db.unit_of_work() as session:
        department = factories.organization(session, region_code="331002", name="椒江区交通运输局")
        department_id = department.id
    moved = _run(db, settings, source_id)
    assert _counts(moved) == (0, 3, 0, 0, 0)
    datasets = _harvested(db, source_id)
    assert {(d.organization_id, d.region_code) for d in datasets} == {(department_id, "331002")}
    assert _counts(_run(db, settings, source_id)) == (0, 0, 3, 0, 0)
    assert elsewhere_id not in {d.organization_id for d in datasets}


def test_publishers_outside_the_sources_region_are_not_matched(
    db: Database, settings: Settings, remote: SourceInstance
) -> None:
    settings = _settings(settings, remote.host)
    with db.unit_of_work() as session:
        seed_vocabularies(session)
        bureau = factories.organization(session, region_code="331002", name="椒江区大数据中心")
        # Same name, another county: not a department of the source's region.
        factories.organization(session, region_code="331003", name="椒江区交通运输局")
        source_id = service.create_source(
            session,
            actor=SYSTEM,
            data=SourceIn(
                name="county-strict",
                kind="ckan",
                url=remote.url,
                organization_id=bureau.id,
                filters={"match_publishers": True},
            ),
        ).id
        bureau_id = bureau.id
    run = _run(db, settings, source_id)
    assert run.status == "succeeded", run.error
    assert {d.organization_id for d in _harvested(db, source_id)} == {bureau_id}
