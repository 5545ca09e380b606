from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from tests import factories
from tests.factories import TEMPLATE

from kaifang.auth import service as auth_service
from kaifang.auth.actor import ANONYMOUS, SYSTEM
from kaifang.catalog import service as catalog_service
from kaifang.catalog.rules import CatalogCodeTemplate
from kaifang.catalog.schemas import DataItemIn, DatasetPatch
from kaifang.errors import Conflict, InvalidInput, NotFound, PermissionDenied


def test_create_generates_valid_unique_codes_and_grade(session: Session) -> None:
    a = factories.dataset(session)
    b = factories.dataset(session)
    template = CatalogCodeTemplate(TEMPLATE)
    assert template.is_valid(a.catalog_code) and template.is_valid(b.catalog_code)
    assert a.catalog_code != b.catalog_code
    assert a.grade == "L3"  # 就高从严: highest item grade
    assert a.status == "draft" and a.item_count == 3
    assert a.domains == ["jiao-tong-chu-xing"] and a.update_frequency == "monthly"


def test_grade_open_attribute_conflict_names_the_item(session: Session) -> None:
    items = [DataItemIn(label="身份证号", name="id_no", grade="L4", open_attribute="conditional")]
    with pytest.raises(InvalidInput) as exc:
        factories.dataset(session, items=items)
    assert exc.value.details["item"] == "身份证号"


def test_unknown_vocabulary_value_rejected(session: Session) -> None:
    with pytest.raises(InvalidInput) as exc:
        factories.dataset(session, update_frequency="sometimes")
    assert exc.value.details["field"] == "更新频率"


def test_given_code_validated_and_never_reused(session: Session) -> None:
    ds = factories.dataset(session, catalog_code="331000-G07001-00042")
    assert ds.catalog_code == "331000-G07001-00042"
    with pytest.raises(InvalidInput):
        factories.dataset(session, catalog_code="not-a-code")
    with pytest.raises(Conflict):
        factories.dataset(session, catalog_code="331000-G07001-00042")


def test_officer_cannot_create_for_another_org(session: Session) -> None:
    mine, other = factories.organization(session), factories.organization(session)
    officer = auth_service.actor_for(factories.user(session, role="officer", org=mine))
    with pytest.raises(PermissionDenied):
        catalog_service.create_dataset(
            session,
            actor=officer,
            data=factories.dataset_in(organization_id=other.id),
            code_template=TEMPLATE,
        )


def test_hostile_text_stored_as_text(session: Session) -> None:
    ds = factories.dataset(session, title="<script>alert(1)</script>公交")
    assert ds.title == "<script>alert(1)</script>公交"


def test_drafts_invisible_to_public_and_other_orgs(session: Session) -> None:
    ds = factories.dataset(session)
    stranger = auth_service.actor_for(factories.user(session, role="officer"))
    for actor in (ANONYMOUS, stranger):
        with pytest.raises(NotFound):
            catalog_service.get_dataset(session, actor=actor, dataset_id=ds.id)


def test_edit_draft_records_field_history(session: Session) -> None:
    org = factories.organization(session)
    officer = auth_service.actor_for(factories.user(session, role="officer", org=org))
    ds = factories.dataset(session, actor=officer)
    catalog_service.update_dataset(
        session,
        actor=officer,
        dataset_id=ds.id,
        patch=DatasetPatch(title="公交线路（修订）", update_frequency="每日"),
    )
    _events, changes = catalog_service.history(session, actor=officer, dataset_id=ds.id)
    by_field = {c.field: c for c in changes}
    assert by_field["title"].new_value == "公交线路（修订）"
    assert by_field["update_frequency"].old_value == "monthly"
    assert by_field["update_frequency"].new_value == "daily"
    assert by_field["title"].actor_name == officer.username


def test_county_copy_of_city_dataset_is_flagged(session: Session) -> None:
    factories.region(session, "3310", "台州市")
    factories.region(session, "331002", "椒江区")
    city_org = factories.organization(session, region_code="3310")
    county_org = factories.organization(session, region_code="331002")
    original = factories.dataset(session, org=city_org, title="台州市2021年公交线路信息")
    copy = factories.dataset(session, org=county_org, title="椒江区公交线路信息")
    assert copy.duplicate_of_id == original.id and "疑似重复" in copy.duplicate_note
    different = factories.dataset(
        session,
        org=county_org,
        title="椒江区公交线路信息",
        items=[DataItemIn(label="站名", name="stop")],
    )
    assert different.duplicate_of_id is None


def test_system_actor_sees_everything(session: Session) -> None:
    ds = factories.dataset(session)
    assert catalog_service.get_dataset(session, actor=SYSTEM, dataset_id=ds.id).id == ds.id
