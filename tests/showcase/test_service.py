"""The app showcase: submission rules, review, featuring and who sees what."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import ANONYMOUS
from kaifang.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kaifang.showcase import service as showcase
from kaifang.showcase.schemas import AppIn, ReviewIn
from tests import factories


def _app(dataset_ids: list[int], **overrides: object) -> AppIn:
    base: dict[str, object] = {
        "name": "台州公交到站",
        "description": "基于公交站点数据的到站查询小程序。",
        "url": "https://example.com/bus",
        "dataset_ids": dataset_ids,
    }
    return AppIn(**{**base, **overrides})  # type: ignore[arg-type]


def test_submitted_app_shows_only_after_approval_and_featuring(session: Session) -> None:
    dataset = factories.published_dataset(session)
    developer = factories.actor(session)
    admin = auth_service.actor_for(factories.user(session, role="admin"))
    app = showcase.submit_app(session, actor=developer, data=_app([dataset.id, dataset.id]))
    assert app.status == "submitted" and app.dataset_ids == [dataset.id]
    assert showcase.list_apps(session) == []
    with pytest.raises(NotFound):
        showcase.get_app(session, actor=ANONYMOUS, app_id=app.id)
    with pytest.raises(PermissionDenied):
        showcase.review_app(
            session, actor=developer, app_id=app.id, decision=ReviewIn(approve=True)
        )
    showcase.review_app(
        session, actor=admin, app_id=app.id, decision=ReviewIn(approve=True, featured=True)
    )
    assert [a.id for a in showcase.list_apps(session, featured_only=True)] == [app.id]
    assert [a.id for a in showcase.list_apps(session, dataset_id=dataset.id)] == [app.id]
    assert showcase.get_app(session, actor=ANONYMOUS, app_id=app.id).featured
    with pytest.raises(Conflict):
        showcase.review_app(session, actor=admin, app_id=app.id, decision=ReviewIn(approve=False))
    showcase.set_featured(session, actor=admin, app_id=app.id, featured=False)
    assert showcase.list_apps(session, featured_only=True) == []


def test_rejected_app_stays_hidden(session: Session) -> None:
    dataset = factories.published_dataset(session)
    developer = factories.actor(session)
    admin = auth_service.actor_for(factories.user(session, role="admin"))
    app = showcase.submit_app(session, actor=developer, data=_app([dataset.id]))
    showcase.review_app(
        session, actor=admin, app_id=app.id, decision=ReviewIn(approve=False, featured=True)
    )
    assert app.status == "rejected" and not app.featured and showcase.list_apps(session) == []
    assert showcase.get_app(session, actor=developer, app_id=app.id).status == "rejected"


def test_only_published_datasets_web_addresses_and_a_few_pending(session: Session) -> None:
    draft = factories.dataset(session)
    dataset = factories.published_dataset(session)
    developer = factories.actor(session)
    with pytest.raises(NotFound):  # a draft is invisible to the developer
        showcase.submit_app(session, actor=developer, data=_app([draft.id]))
    officer = auth_service.actor_for(
        factories.user(session, role="officer", org=draft.organization)
    )
    with pytest.raises(InvalidInput):  # its own officer sees it, but it is not published
        showcase.submit_app(session, actor=officer, data=_app([draft.id]))
    for bad in ("javascript:alert(1)", "ftp://example.com", "/relative"):
        with pytest.raises(ValidationError):
            _app([dataset.id], url=bad)
    with pytest.raises(Exception):
        showcase.submit_app(session, actor=ANONYMOUS, data=_app([dataset.id]))
    for n in range(showcase.MAX_PENDING_PER_USER):
        showcase.submit_app(session, actor=developer, data=_app([dataset.id], name=f"应用{n}"))
    with pytest.raises(Conflict):
        showcase.submit_app(session, actor=developer, data=_app([dataset.id]))
