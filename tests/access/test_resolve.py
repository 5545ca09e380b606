"""resolve_data_access: unconditional for all, conditional only under a usable grant, closed never."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from sqlalchemy.orm import Session

from kaifang.access import service
from kaifang.access.masking import default_masker_factory, mask_text
from kaifang.access.schemas import GrantTermsIn
from kaifang.auth.actor import ANONYMOUS
from kaifang.errors import PermissionDenied
from tests import factories
from tests.access.conftest import World
from tests.access.helpers import COLUMNS, approved

PUBLIC = {"line_name", "district"}


def _resolve(session: Session, world: World, actor=None, **kwargs):  # type: ignore[no-untyped-def]
    return service.resolve_data_access(
        session, actor=actor or world.applicant, dataset=world.dataset, columns=COLUMNS, **kwargs
    )


def _reason(session: Session, world: World, actor=None, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied) as denied:
        _resolve(session, world, actor, **kwargs)
    return str(denied.value.details["reason"])


def test_anonymous_sees_only_unconditional_items(session: Session, world: World) -> None:
    access = _resolve(session, world, ANONYMOUS)
    assert access.visible_columns == PUBLIC and access.row_filter is None
    assert _reason(session, world, ANONYMOUS, requested=["driver_mobile"]) == "no_grant"
    assert _reason(session, world, ANONYMOUS, requested=["internal_note"]) == "closed"


def test_mixed_query_simply_omits_ungranted_items(session: Session, world: World) -> None:
    access = _resolve(session, world, requested=["line_name"])
    assert access.visible_columns == PUBLIC


def test_grant_gives_exactly_its_items_filter_and_masks(session: Session, world: World) -> None:
    approved(
        session,
        world,
        terms=GrantTermsIn(
            dataset_id=world.dataset.id,
            items=["driver_mobile"],
            row_filter="district=椒江区",
            masking={"driver_mobile": "mask:keep=3,4"},
        ),
    )
    access = _resolve(session, world)
    assert access.visible_columns == PUBLIC | {"driver_mobile"}
    assert access.row_filter is not None
    masked = access.mask("driver_mobile", pa.array(["13812345678", None]))
    assert masked.to_pylist() == ["138****5678", None]
    assert _reason(session, world, requested=["vin"]) == "item_not_granted"
    assert _reason(session, world, requested=["internal_note"]) == "closed"
    only_public = _resolve(session, world, requested=["line_name"])
    assert only_public.row_filter is None


def test_channel_and_not_yet_valid_denials(session: Session, world: World) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    approved(session, world, terms=GrantTermsIn(dataset_id=world.dataset.id, channels=["sandbox"]))
    assert _reason(session, world, channel="api", requested=["vin"]) == "channel_not_granted"
    sandbox = _resolve(session, world, channel="sandbox", requested=["vin"])
    assert sandbox.channel == "sandbox"
    other = approved(
        session,
        world,
        terms=GrantTermsIn(
            dataset_id=world.dataset.id, valid_from=later, valid_until=later + dt.timedelta(days=9)
        ),
    )
    assert other[0].status == "approved"
    assert _reason(session, world, channel="api", requested=["vin"]) == "not_yet_valid"


def test_another_users_grant_gives_nothing(session: Session, world: World) -> None:
    approved(session, world)
    assert _reason(session, world, world.stranger, requested=["vin"]) == "no_grant"
    assert _reason(session, world, world.other_officer, requested=["vin"]) == "no_grant"


def test_organization_grant_covers_colleagues(session: Session, world: World) -> None:
    applicant = factories.actor(session, role="officer", org=world.other_org)
    colleague = world.other_officer
    world.applicant = applicant
    approved(session, world, on_behalf_of_organization=True)
    access = _resolve(session, world, colleague, requested=["vin"])
    assert access.visible_columns is not None and "vin" in access.visible_columns


def test_suspended_grant_gives_no_access(session: Session, world: World) -> None:
    _app, grant = approved(session, world)
    service.suspend_grant(session, actor=world.officer, grant_id=grant.id, reason="报告逾期")
    assert _reason(session, world, requested=["vin"]) == "suspended"


def test_unknown_masking_rule_withholds_the_column(session: Session, world: World) -> None:
    _app, grant = approved(session, world)
    grant.masking = {"vin": "privacy:tokenize"}
    session.flush()
    access = _resolve(session, world)
    assert access.visible_columns is not None
    assert "vin" not in access.visible_columns and "driver_name" in access.visible_columns
    assert _reason(session, world, requested=["vin"]) == "item_not_granted"


def test_row_filter_that_no_longer_matches_fails_closed(session: Session, world: World) -> None:
    _app, grant = approved(session, world)
    grant.row_filter = "removed_column=1"
    session.flush()
    assert _reason(session, world, requested=["vin"]) == "row_filter_invalid"


def test_default_masker() -> None:
    assert mask_text("330102199001011234", 6, 4) == "330102********1234"
    assert mask_text("张三", 1, 1) == "**"
    assert mask_text("abc", 0, 0) == "***"
    assert default_masker_factory("mask:keep=1,0") is not None
    assert default_masker_factory("mask:keep=x") is None
    masker = default_masker_factory("mask:keep=1,1")
    assert masker is not None
    assert masker(pa.array([12345])).to_pylist() == ["1***5"]


def test_the_data_api_serves_exactly_the_grant(session: Session, world: World) -> None:
    from kaifang.datastore import run_query
    from tests.datastore.tables import memory_table

    table = pa.table(
        {
            "line_name": ["1路", "2路", "3路"],
            "district": ["椒江区", "黄岩区", "椒江区"],
            "driver_mobile": ["13812345678", "13900001111", "13700002222"],
            "driver_name": ["张三", "李四", "王五"],
            "vin": ["V1", "V2", "V3"],
            "internal_note": ["x", "y", "z"],
        }
    )
    con, columns = memory_table(table)
    approved(
        session,
        world,
        terms=GrantTermsIn(
            dataset_id=world.dataset.id,
            items=["driver_mobile"],
            row_filter="district=椒江区",
            masking={"driver_mobile": "mask:keep=3,4"},
        ),
    )
    access = service.resolve_data_access(
        session, actor=world.applicant, dataset=world.dataset, columns=columns
    )
    result = run_query(con, columns=columns, params="", access=access)
    assert result.columns == ["line_name", "district", "driver_mobile"]
    assert [r["driver_mobile"] for r in result.rows] == ["138****5678", "137****2222"]
    anonymous = service.resolve_data_access(
        session, actor=ANONYMOUS, dataset=world.dataset, columns=columns
    )
    public = run_query(con, columns=columns, params="", access=anonymous)
    assert public.columns == ["line_name", "district"] and len(public.rows) == 3
