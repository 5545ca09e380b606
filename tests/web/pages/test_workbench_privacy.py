"""The data-item editor shows the privacy scan's findings and applies a suggestion in one post."""

from __future__ import annotations

import random

import pyarrow as pa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang import checksums
from kaifang.catalog import resources
from kaifang.catalog.models import Dataset
from kaifang.catalog.service import open_revision
from kaifang.privacy.scan import findings_to_json, scan_table
from tests import factories
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, post_form, sign_in

ID_COLUMN = "身份证号"


def _scanned_dataset(session: Session, cast: Cast, *, published: bool = False) -> Dataset:
    """A dataset whose current version carries real findings: mobiles and ID numbers."""
    rng = random.Random(3)
    table = pa.table(
        {
            "line_name": [f"{i}路" for i in range(30)],
            "driver_mobile": [checksums.make_mobile(rng) for _ in range(30)],
            ID_COLUMN: [checksums.make_resident_id(rng) for _ in range(30)],
        }
    )
    maker = factories.published_dataset if published else factories.dataset
    ds: Dataset = maker(session, org=cast.org)
    officer = factories.actor(session, role="officer", org=cast.org)
    resource = resources.create_resource(session, actor=officer, dataset_id=ds.id, name="表")
    resources.record_version(
        session,
        resource_id=resource.id,
        created_by=officer.user_id,
        source_key="k",
        source_name="t.csv",
        parquet_key="p",
        sha256="0" * 64,
        size_bytes=1,
        row_count=30,
        schema=[],
        report={},
        profile={},
        privacy=findings_to_json(scan_table(table)),
        fmt="csv",
    )
    session.commit()
    return ds


def _item(session: Session, ds: Dataset, name: str):  # type: ignore[no-untyped-def]
    session.expire_all()
    return next((i for i in session.get(Dataset, ds.id).items if i.name == name), None)  # type: ignore[union-attr]


def test_findings_show_masked_evidence_and_apply_in_one_click(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds = _scanned_dataset(session, cast)
    sign_in(client, cast.officer)
    page = get(client, f"/workbench/datasets/{ds.id}/edit?lang=en")
    assert page.status_code == 200
    html = page.text
    assert "Personal data found in the uploaded data" in html
    assert "Mobile number" in html and "Resident ID number" in html
    assert "Examples (masked):" in html and html.count("Apply suggestion") == 2
    raw = session.get(Dataset, ds.id).resources[0].versions[0].privacy  # type: ignore[union-attr]
    assert all("*" in e for f in raw if f["kind"] for e in f["evidence"]["examples"])

    applied = post_form(
        client,
        f"/workbench/datasets/{ds.id}/privacy-suggestion",
        {"column": "driver_mobile"},
        token_page="/workbench",
    )
    assert applied.status_code == 303
    assert applied.headers["location"].endswith(f"/workbench/datasets/{ds.id}/edit?privacy=applied")
    finding = next(f for f in raw if f["column"] == "driver_mobile")
    item = _item(session, ds, "driver_mobile")
    assert item is not None and item.pii_kind == "mobile"
    assert (item.grade, item.open_attribute, item.masking_rule) == (
        finding["suggested_grade"],
        finding["suggested_open_attribute"],
        finding["suggested_masking"],
    )
    again = get(client, applied.headers["location"] + "&lang=zh_CN").text
    assert (
        "建议已写入数据项" in again and "已采纳" in again and again.count("采纳建议</button>") == 1
    )

    # A column without an item gets one, named after the column.
    post_form(
        client,
        f"/workbench/datasets/{ds.id}/privacy-suggestion",
        {"column": ID_COLUMN},
        token_page="/workbench",
    )
    created = _item(session, ds, ID_COLUMN)
    assert created is not None and created.pii_kind == "resident_id"
    assert created.open_attribute != "unconditional"


def test_published_datasets_keep_the_suggestion_in_a_revision(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds = _scanned_dataset(session, cast, published=True)
    before = _item(session, ds, "driver_mobile")
    assert before is not None
    grade_before = before.grade
    sign_in(client, cast.officer)
    response = post_form(
        client,
        f"/workbench/datasets/{ds.id}/privacy-suggestion",
        {"column": "driver_mobile"},
        token_page="/workbench",
    )
    assert response.status_code == 303 and "privacy=revision" in response.headers["location"]
    after = _item(session, ds, "driver_mobile")
    assert after is not None and after.grade == grade_before
    revision = open_revision(session, ds.id)
    assert revision is not None
    staged = next(i for i in revision.changes["items"] if i["name"] == "driver_mobile")
    assert staged["pii_kind"] == "mobile"


def test_only_the_owning_officer_applies_and_unknown_columns_are_refused(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds = _scanned_dataset(session, cast)
    sign_in(client, cast.other_officer)
    path = f"/workbench/datasets/{ds.id}/privacy-suggestion"
    assert (
        post_form(client, path, {"column": "driver_mobile"}, token_page="/workbench").status_code
        == 404
    )
    sign_in(client, cast.officer)
    assert (
        post_form(client, path, {"column": "no_such"}, token_page="/workbench").status_code == 404
    )
    sign_in(client, cast.user)
    assert post_form(
        client, path, {"column": "driver_mobile"}, token_page="/account"
    ).status_code in (
        403,
        404,
    )
    assert _item(session, ds, "driver_mobile").masking_rule in (None, "")  # type: ignore[union-attr]
