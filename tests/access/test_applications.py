"""The application workflow: the end-to-end journey, correction, rejection, withdrawal, tenancy."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access import service
from kaifang.access.models import Application
from kaifang.access.reviews import set_review_chain
from kaifang.access.schemas import ApplicationPatch, GrantTermsIn
from kaifang.audit.models import AuditRecord
from kaifang.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from kaifang.events import Notification
from tests.access.conftest import World
from tests.access.helpers import COLUMNS, application_in, approved, submitted, under_review


def _actions(session: Session, app: Application) -> list[str]:
    return [e.action for e in service.list_events(session, app.id)]


def test_journey_apply_accept_review_approve_fewer_items_then_quota_and_expiry(
    session: Session, world: World
) -> None:
    terms = GrantTermsIn(
        dataset_id=world.dataset.id,
        items=["driver_mobile", "driver_name"],
        row_filter="district=椒江区",
        masking={"driver_mobile": "mask:keep=3,4"},
        calls_per_day=2,
    )
    app, grant = approved(session, world, terms=terms)
    assert app.status == "active"
    assert grant.items == ["driver_mobile", "driver_name"]
    assert _actions(session, app) == ["create", "submit", "accept", "review", "approve", "activate"]

    decision = service.resolve_access(
        session, actor=world.applicant, dataset=world.dataset, columns=COLUMNS, channel="api"
    )
    access = decision.access
    assert access.visible_columns == {"line_name", "district", "driver_mobile", "driver_name"}
    assert access.row_filter is not None
    assert [(c.column, c.op, c.value) for c in access.row_filter.children] == [
        ("district", "exact", "椒江区")
    ]
    assert set(access.masking) == {"driver_mobile"}

    service.charge_grant(session, grant, rows=10)
    service.charge_grant(session, grant, rows=10)
    with pytest.raises(RateLimited) as exhausted:
        service.charge_grant(session, grant, rows=10)
    assert exhausted.value.retry_after > 0

    grant.valid_until = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    session.flush()
    with pytest.raises(PermissionDenied) as denied:
        service.resolve_data_access(
            session,
            actor=world.applicant,
            dataset=world.dataset,
            columns=COLUMNS,
            channel="api",
            requested=["driver_mobile"],
        )
    assert denied.value.details["reason"] == "expired"
    audit = session.scalars(
        select(AuditRecord).where(
            AuditRecord.action == "data.access", AuditRecord.outcome == "denied"
        )
    ).all()
    assert audit and audit[-1].details["reason"] == "expired"


def test_submission_sets_acceptance_due_in_working_days(session: Session, world: World) -> None:
    app = service.create_application(session, actor=world.applicant, data=application_in(world))
    before_holiday = dt.datetime(2021, 9, 29, 2, 0, tzinfo=dt.UTC)
    service.submit_application(
        session, actor=world.applicant, application_id=app.id, now=before_holiday
    )
    assert app.accept_due == dt.date(2021, 10, 12)
    service.accept_application(
        session,
        actor=world.officer,
        application_id=app.id,
        now=dt.datetime(2021, 2, 5, 2, 0, tzinfo=dt.UTC),
        decide_working_days=15,
    )
    assert app.decision_due == dt.date(2021, 3, 3)
    notes = [e for e in session.info["events"].events if isinstance(e, Notification)]
    assert any(n.user_id == world.officer.user_id for n in notes)
    assert any(n.user_id == world.applicant.user_id for n in notes)


def test_unconditional_closed_and_unknown_items_are_refused_by_name(
    session: Session, world: World
) -> None:
    with pytest.raises(InvalidInput) as err:
        service.create_application(
            session,
            actor=world.applicant,
            data=application_in(
                world, items=["driver_mobile", "line_name", "internal_note", "nope"]
            ),
        )
    assert "line_name" in err.value.message and "internal_note" in err.value.message
    assert err.value.details["closed"] == [f"{world.dataset.title}.internal_note"]
    assert err.value.details["unconditional"] == [f"{world.dataset.title}.line_name"]
    assert err.value.details["unknown"] == [f"{world.dataset.title}.nope"]


def test_submit_requires_fields_and_current_agreement(session: Session, world: World) -> None:
    app = service.create_application(
        session, actor=world.applicant, data=application_in(world, purpose="", agreement_id=None)
    )
    with pytest.raises(InvalidInput) as missing:
        service.submit_application(session, actor=world.applicant, application_id=app.id)
    assert "用途" in missing.value.message
    service.update_application(
        session,
        actor=world.applicant,
        application_id=app.id,
        patch=ApplicationPatch(purpose="研究"),
    )
    with pytest.raises(InvalidInput):
        service.submit_application(session, actor=world.applicant, application_id=app.id)
    service.publish_agreement(
        session,
        actor=world.admin,
        title="v2",
        agreement_text="新协议正文内容",
        commitment_text="新承诺书正文内容",
    )
    with pytest.raises(InvalidInput) as stale:
        service.update_application(
            session,
            actor=world.applicant,
            application_id=app.id,
            patch=ApplicationPatch(agreement_id=world.agreement_id),
        )
        service.submit_application(session, actor=world.applicant, application_id=app.id)
    assert stale.value.details["current"] != world.agreement_id


def test_return_for_correction_then_resubmit(session: Session, world: World) -> None:
    app = submitted(session, world)
    service.return_application(
        session, actor=world.officer, application_id=app.id, reason="请补充安全保障措施的具体内容"
    )
    assert app.status == "returned" and app.accept_due is None
    assert "安全保障" in app.correction_request
    service.update_application(
        session,
        actor=world.applicant,
        application_id=app.id,
        patch=ApplicationPatch(security_measures="等保三级机房，专人管理"),
    )
    service.submit_application(session, actor=world.applicant, application_id=app.id)
    assert app.status == "submitted" and app.accept_due is not None
    assert _actions(session, app)[-3:] == ["return", "edit", "submit"]


def test_rejection_needs_a_reason_and_is_final(session: Session, world: World) -> None:
    app = under_review(session, world)
    with pytest.raises(InvalidInput):
        service.reject_application(session, actor=world.reviewer, application_id=app.id, reason="")
    service.reject_application(
        session, actor=world.reviewer, application_id=app.id, reason="用途与所申请数据项不相符"
    )
    assert app.status == "rejected" and app.decision_reason
    with pytest.raises(Conflict):
        service.approve_application(session, actor=world.reviewer, application_id=app.id)
    with pytest.raises(Conflict):
        service.withdraw_application(session, actor=world.applicant, application_id=app.id)


def test_officer_cannot_decide_in_the_default_chain(session: Session, world: World) -> None:
    app = under_review(session, world)
    with pytest.raises(PermissionDenied):
        service.approve_application(session, actor=world.officer, application_id=app.id)


def test_provider_only_chain_lets_the_officer_decide(session: Session, world: World) -> None:
    app = submitted(session, world)
    service.accept_application(session, actor=world.officer, application_id=app.id)
    app, grants = service.approve_application(
        session, actor=world.officer, application_id=app.id, chain=("provider",)
    )
    assert app.status == "active" and len(grants) == 1


def test_an_organization_chooses_its_own_review_chain(session: Session, world: World) -> None:
    """Set to provider-only, the officer decides; the platform's chain still holds elsewhere."""
    from kaifang.access.queries import available_steps

    set_review_chain(
        session, actor=world.admin, organization_id=world.provider.id, chain="provider"
    )
    app = submitted(session, world)
    assert app.review_chain == "provider"
    service.accept_application(session, actor=world.officer, application_id=app.id)
    assert available_steps(world.officer, app) == {"return", "decide"}
    with pytest.raises(InvalidInput):
        service.review_application(
            session,
            actor=world.officer,
            application_id=app.id,
            opinion="approve",
            comment="同意开放",
        )
    app, grants = service.approve_application(session, actor=world.officer, application_id=app.id)
    assert app.status == "active" and len(grants) == 1
    record = session.scalars(
        select(AuditRecord).where(AuditRecord.action == "organization.review_chain")
    ).one()
    assert record.details == {"from": None, "to": "provider"}


def test_an_application_keeps_the_chain_it_was_submitted_under(
    session: Session, world: World
) -> None:
    app = submitted(session, world)  # under the platform's provider → bureau chain
    set_review_chain(
        session, actor=world.admin, organization_id=world.provider.id, chain="provider"
    )
    service.accept_application(session, actor=world.officer, application_id=app.id)
    with pytest.raises(PermissionDenied):
        service.approve_application(session, actor=world.officer, application_id=app.id)
    service.review_application(
        session, actor=world.officer, application_id=app.id, opinion="approve", comment="同意开放"
    )
    service.approve_application(session, actor=world.reviewer, application_id=app.id)
    assert app.status == "active"
    later = submitted(session, world)
    assert later.review_chain == "provider"
    set_review_chain(session, actor=world.admin, organization_id=world.provider.id, chain=None)
    assert submitted(session, world).review_chain is None


def test_only_admins_of_the_region_choose_a_chain(session: Session, world: World) -> None:
    for actor in (world.officer, world.reviewer, world.applicant):
        with pytest.raises(PermissionDenied):
            set_review_chain(
                session, actor=actor, organization_id=world.provider.id, chain="provider"
            )
    with pytest.raises(InvalidInput):
        set_review_chain(
            session, actor=world.admin, organization_id=world.provider.id, chain="bureau"
        )
    assert world.provider.review_chain is None


def test_grant_terms_must_stay_within_the_request(session: Session, world: World) -> None:
    app = under_review(session, world, items=["driver_mobile"])
    for terms in (
        GrantTermsIn(dataset_id=world.dataset.id, items=["driver_name"]),
        GrantTermsIn(dataset_id=world.dataset.id, row_filter="nosuchcolumn=1"),
        GrantTermsIn(dataset_id=world.dataset.id, masking={"driver_mobile": "hash:sm3"}),
    ):
        with pytest.raises(InvalidInput):
            service.approve_application(
                session, actor=world.reviewer, application_id=app.id, grants=[terms]
            )


def test_withdraw_before_decision(session: Session, world: World) -> None:
    app = submitted(session, world)
    service.withdraw_application(
        session, actor=world.applicant, application_id=app.id, comment="需求变更"
    )
    assert app.status == "withdrawn"
    with pytest.raises(Conflict):
        service.accept_application(session, actor=world.officer, application_id=app.id)


def test_another_tenant_can_neither_see_nor_act(session: Session, world: World) -> None:
    app = submitted(session, world)
    for actor in (world.other_officer, world.stranger):
        with pytest.raises(NotFound):
            service.get_application(session, actor=actor, application_id=app.id)
        with pytest.raises(NotFound):
            service.accept_application(session, actor=actor, application_id=app.id)
        with pytest.raises(NotFound):
            service.return_application(session, actor=actor, application_id=app.id, reason="请补正")
    assert service.list_applications(session, actor=world.other_officer, mine=False) == []
    listed = service.list_applications(session, actor=world.officer, mine=False)
    assert [a.id for a in listed] == [app.id]


def test_drafts_are_private_to_the_applicant(session: Session, world: World) -> None:
    app = service.create_application(session, actor=world.applicant, data=application_in(world))
    with pytest.raises(NotFound):
        service.get_application(session, actor=world.officer, application_id=app.id)
    assert service.get_application(session, actor=world.applicant, application_id=app.id) is app


def test_revocation_takes_effect_on_the_next_call(session: Session, world: World) -> None:
    _app, grant = approved(session, world)
    first = service.resolve_data_access(
        session, actor=world.applicant, dataset=world.dataset, columns=COLUMNS, requested=["vin"]
    )
    assert first.visible_columns is not None and "vin" in first.visible_columns
    with pytest.raises(NotFound):
        service.revoke_grant(session, actor=world.other_officer, grant_id=grant.id, reason="越权")
    service.revoke_grant(session, actor=world.officer, grant_id=grant.id, reason="违反协议用途")
    with pytest.raises(PermissionDenied) as denied:
        service.resolve_data_access(
            session,
            actor=world.applicant,
            dataset=world.dataset,
            columns=COLUMNS,
            requested=["vin"],
        )
    assert denied.value.details["reason"] == "revoked"
    assert _app.status == "revoked"


def test_renewal_links_to_the_previous_grant(session: Session, world: World) -> None:
    _app, grant = approved(
        session, world, terms=GrantTermsIn(dataset_id=world.dataset.id, items=["vin"])
    )
    renewal = service.renew_application(session, actor=world.applicant, grant_id=grant.id)
    assert renewal.status == "draft" and renewal.previous_grant_id == grant.id
    assert [i.item_name for i in renewal.items] == ["vin"]
    with pytest.raises(NotFound):
        service.renew_application(session, actor=world.stranger, grant_id=grant.id)


def test_timeline_html_escapes_everything(session: Session, world: World) -> None:
    app = service.create_application(
        session,
        actor=world.applicant,
        data=application_in(world, purpose="<script>alert(1)</script>"),
    )
    html = service.render_timeline_html(app, service.list_events(session, app.id))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "创建草稿" in html


def test_timeline_pdf_renders_chinese_text(session: Session, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = submitted(session, world)
    service.return_application(
        session,
        actor=world.officer,
        application_id=app.id,
        reason="请补充安全保障措施 (security measures) " * 20,
    )
    pdf = service.render_timeline_pdf(app, service.list_events(session, app.id))
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/STSong-Light" in pdf and b"startxref" in pdf
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("poppler-utils not installed: structure checked only")
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, check=True).stdout
    assert "退回补正" in text.decode() and "请补充安全保障措施" in text.decode()
