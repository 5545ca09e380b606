from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories

from kaifang.audit.models import AuditRecord
from kaifang.auth import service as auth_service
from kaifang.catalog import service as catalog_service
from kaifang.catalog import workflow
from kaifang.catalog.privacy_gate import accept_privacy_override, request_privacy_override
from kaifang.catalog.schemas import DataItemIn, DatasetPatch
from kaifang.errors import InvalidInput

ITEMS = [
    DataItemIn(label="车主姓名", name="owner"),
    DataItemIn(label="车主手机号", name="owner_mobile", pii_kind="mobile"),
    DataItemIn(label="车辆类型", name="kind"),
]


def _approved(session: Session):  # type: ignore[no-untyped-def]
    org = factories.organization(session)
    officer = auth_service.actor_for(factories.user(session, role="officer", org=org))
    reviewer = auth_service.actor_for(factories.user(session, role="reviewer"))
    ds = factories.dataset(session, actor=officer, items=ITEMS)
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    workflow.approve_dataset(session, actor=reviewer, dataset_id=ds.id)
    return ds, officer, reviewer


def test_unmasked_direct_identifier_blocks_publishing(session: Session) -> None:
    ds, _officer, reviewer = _approved(session)
    with pytest.raises(InvalidInput) as exc:
        workflow.publish_dataset(session, actor=reviewer, dataset_id=ds.id)
    assert {f["name"] for f in exc.value.details["findings"]} == {"owner_mobile"}
    assert ds.status == "approved"


def test_masking_the_item_clears_the_gate(session: Session) -> None:
    org = factories.organization(session)
    officer = auth_service.actor_for(factories.user(session, role="officer", org=org))
    masked = [
        ITEMS[0],
        DataItemIn(
            label="车主手机号", name="owner_mobile", pii_kind="mobile", masking_rule="mask:keep=3,4"
        ),
        ITEMS[2],
    ]
    ds = factories.dataset(session, actor=officer, items=masked)
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    reviewer = auth_service.actor_for(factories.user(session, role="reviewer"))
    workflow.approve_dataset(session, actor=reviewer, dataset_id=ds.id)
    workflow.publish_dataset(session, actor=reviewer, dataset_id=ds.id)
    assert ds.status == "published"


def test_reviewed_override_lets_it_through_and_is_audited(session: Session) -> None:
    ds, officer, reviewer = _approved(session)
    with pytest.raises(InvalidInput):
        request_privacy_override(session, actor=officer, dataset_id=ds.id, justification="短")
    request_privacy_override(
        session,
        actor=officer,
        dataset_id=ds.id,
        justification="号码为企业公开的服务热线，非个人手机号，依法公开。",
    )
    with pytest.raises(InvalidInput):
        workflow.publish_dataset(session, actor=reviewer, dataset_id=ds.id)
    accept_privacy_override(session, actor=reviewer, dataset_id=ds.id, comment="核实无误")
    workflow.publish_dataset(session, actor=reviewer, dataset_id=ds.id)
    actions = set(
        session.scalars(select(AuditRecord.action).where(AuditRecord.object_id == str(ds.id)))
    )
    assert {
        "dataset.privacy_override_request",
        "dataset.privacy_override_accept",
        "dataset.publish",
    } <= actions


def test_name_alone_is_not_a_direct_identifier(session: Session) -> None:
    org = factories.organization(session)
    officer = auth_service.actor_for(factories.user(session, role="officer", org=org))
    reviewer = auth_service.actor_for(factories.user(session, role="reviewer"))
    items = [DataItemIn(label="联系人", name="contact", pii_kind="person_name")]
    ds = factories.dataset(session, actor=officer, items=items)
    catalog_service.update_dataset(
        session,
        actor=officer,
        dataset_id=ds.id,
        patch=DatasetPatch(summary="全市公交线路联系人信息（测试）。"),
    )
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    workflow.approve_dataset(session, actor=reviewer, dataset_id=ds.id)
    workflow.publish_dataset(session, actor=reviewer, dataset_id=ds.id)
    assert ds.status == "published"
