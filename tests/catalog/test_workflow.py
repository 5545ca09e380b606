from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from tests import factories

from kaifang.auth import service as auth_service
from kaifang.auth.actor import ANONYMOUS
from kaifang.catalog import queries, workflow
from kaifang.catalog import service as catalog_service
from kaifang.catalog.schemas import DatasetPatch
from kaifang.errors import Conflict, InvalidInput, PermissionDenied


def _people(session: Session, region: str = "331002"):  # type: ignore[no-untyped-def]
    org = factories.organization(session, region_code=region)
    officer = auth_service.actor_for(factories.user(session, role="officer", org=org))
    reviewer = auth_service.actor_for(factories.user(session, role="reviewer", region_code="3310"))
    return org, officer, reviewer


def test_full_publish_path_with_comment_trail(session: Session) -> None:
    _org, officer, reviewer = _people(session)
    ds = factories.dataset(session, actor=officer)
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id, comment="请审核")
    workflow.approve_dataset(session, actor=reviewer, dataset_id=ds.id, comment="同意")
    workflow.publish_dataset(session, actor=reviewer, dataset_id=ds.id)
    assert ds.status == "published" and ds.first_published_at is not None
    assert catalog_service.get_dataset(session, actor=ANONYMOUS, dataset_id=ds.id).id == ds.id
    events, _ = catalog_service.history(session, actor=officer, dataset_id=ds.id)
    assert [e.action for e in reversed(events)] == ["create", "submit", "approve", "publish"]
    assert events[-2].comment == "请审核"


def test_reject_requires_reason_and_returns_to_officer(session: Session) -> None:
    _org, officer, reviewer = _people(session)
    ds = factories.dataset(session, actor=officer)
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    with pytest.raises(InvalidInput):
        workflow.reject_dataset(session, actor=reviewer, dataset_id=ds.id, reason=" ")
    workflow.reject_dataset(session, actor=reviewer, dataset_id=ds.id, reason="摘要不完整")
    assert ds.status == "rejected"
    catalog_service.update_dataset(
        session,
        actor=officer,
        dataset_id=ds.id,
        patch=DatasetPatch(summary="全市公交线路、站点与运营时间信息（补充）。"),
    )
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    assert ds.status == "submitted"


def test_incomplete_metadata_cannot_be_submitted(session: Session) -> None:
    _org, officer, _r = _people(session)
    ds = factories.dataset(session, actor=officer, summary="", items=[])
    with pytest.raises(InvalidInput) as exc:
        workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    assert set(exc.value.details["missing"]) >= {"summary", "items"}


def test_reviewer_outside_region_and_officers_cannot_review(session: Session) -> None:
    _org, officer, _r = _people(session)
    far = auth_service.actor_for(factories.user(session, role="reviewer", region_code="331003"))
    ds = factories.dataset(session, actor=officer)
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    for actor in (far, officer):
        with pytest.raises((PermissionDenied, Exception)):
            workflow.approve_dataset(session, actor=actor, dataset_id=ds.id)


def test_revision_of_published_dataset_keeps_public_version(session: Session) -> None:
    _org, officer, reviewer = _people(session)
    ds = factories.dataset(session, actor=officer, title="原标题数据集")
    for step in (workflow.submit_dataset, workflow.approve_dataset, workflow.publish_dataset):
        step(
            session,
            actor=officer if step is workflow.submit_dataset else reviewer,
            dataset_id=ds.id,
        )
    _ds, revision = catalog_service.update_dataset(
        session, actor=officer, dataset_id=ds.id, patch=DatasetPatch(title="新标题数据集")
    )
    assert revision is not None and ds.title == "原标题数据集"
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    with pytest.raises(Conflict):
        catalog_service.update_dataset(
            session, actor=officer, dataset_id=ds.id, patch=DatasetPatch(title="再改")
        )
    assert ds.title == "原标题数据集" and ds.status == "published"
    workflow.approve_dataset(session, actor=reviewer, dataset_id=ds.id)
    assert ds.title == "新标题数据集" and ds.status == "published"


def test_withdraw_keeps_code_retired(session: Session) -> None:
    _org, _officer, reviewer = _people(session)
    ds = factories.published_dataset(session)
    code = ds.catalog_code
    with pytest.raises(InvalidInput):
        workflow.withdraw_dataset(session, actor=reviewer, dataset_id=ds.id, reason="")
    workflow.withdraw_dataset(session, actor=reviewer, dataset_id=ds.id, reason="数据源停止维护")
    assert ds.status == "withdrawn"
    with pytest.raises(Conflict):
        factories.dataset(session, catalog_code=code)


def test_publish_gate_blocks(session: Session) -> None:
    _org, officer, reviewer = _people(session)
    ds = factories.dataset(session, actor=officer)
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    workflow.approve_dataset(session, actor=reviewer, dataset_id=ds.id)

    def gate(_session: Session, dataset) -> None:  # type: ignore[no-untyped-def]
        raise InvalidInput("blocked by gate")

    workflow.register_publish_gate(gate)
    try:
        with pytest.raises(InvalidInput):
            workflow.publish_dataset(session, actor=reviewer, dataset_id=ds.id)
    finally:
        workflow._publish_gates.remove(gate)


def test_counts_never_leak_drafts(session: Session) -> None:
    org, officer, _r = _people(session)
    factories.dataset(session, actor=officer)
    factories.published_dataset(session, org=org)
    public = queries.headline_figures(session, actor=ANONYMOUS)
    mine = queries.headline_figures(session, actor=officer)
    assert mine["datasets"] == public["datasets"] + 1
    page = queries.list_datasets(session, actor=ANONYMOUS, organization_id=org.id)
    assert all(d.status == "published" for d in page.items) and len(page.items) == 1
