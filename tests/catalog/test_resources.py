"""Resource metadata changes and removal: permissions, counts and audit records."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories

from kaifang.audit.models import AuditRecord
from kaifang.auth import service as auth_service
from kaifang.catalog import resources
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.errors import InvalidInput, PermissionDenied


def _audits(session: Session, action: str) -> list[AuditRecord]:
    return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_update_and_delete_a_resource(session: Session) -> None:
    seed_vocabularies(session)
    org = factories.organization(session)
    officer = auth_service.actor_for(factories.user(session, role="officer", org=org))
    dataset = factories.dataset(session, actor=officer)
    resource = resources.create_resource(
        session, actor=officer, dataset_id=dataset.id, name="接口", kind="api", url="https://a/b"
    )
    changed = resources.update_resource(
        session,
        actor=officer,
        resource_id=resource.id,
        changes={"name": " 新接口 ", "format": "json", "description": "说明"},
    )
    assert (changed.name, changed.format, changed.description) == ("新接口", "JSON", "说明")
    (record,) = _audits(session, "resource.update")
    assert record.object_id == str(resource.id)
    with pytest.raises(InvalidInput):
        resources.update_resource(
            session, actor=officer, resource_id=resource.id, changes={"name": "/"}
        )

    stranger_org = factories.organization(session)
    stranger = auth_service.actor_for(factories.user(session, role="officer", org=stranger_org))
    published = factories.published_dataset(session, org=org)
    public_resource = resources.create_resource(
        session, actor=officer, dataset_id=published.id, name="表"
    )
    with pytest.raises(PermissionDenied):
        resources.delete_resource(session, actor=stranger, resource_id=public_resource.id)

    resources.delete_resource(session, actor=officer, resource_id=resource.id)
    session.flush()
    session.refresh(dataset)
    assert dataset.resources == [] and dataset.resource_count == 0
    assert [r.object_id for r in _audits(session, "resource.delete")] == [str(resource.id)]
