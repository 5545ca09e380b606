"""The public dataset page: metadata, timeliness, items, data sections, escaping and visibility."""

from __future__ import annotations

import datetime as dt
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.catalog.models import Dataset, Resource, ResourceVersion
from kaifang.catalog.schemas import DataItemIn
from kaifang.db import utcnow
from tests import factories
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, json_ld, sign_in

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _load_version(session: Session, dataset: Dataset, rows: int = 42) -> None:
    resource = Resource(dataset_id=dataset.id, name="公交线路.csv", format="CSV")
    session.add(resource)
    session.flush()
    version = ResourceVersion(
        resource_id=resource.id,
        number=1,
        row_count=rows,
        size_bytes=4096,
        sha256="ab" * 32,
        source_name="公交线路.csv",
    )
    session.add(version)
    session.flush()
    resource.current_version_id = version.id
    session.commit()


def test_published_page_shows_metadata_items_and_on_time(
    client: TestClient, session: Session
) -> None:
    ds = factories.published_dataset(
        session,
        contact_name="王工",
        contact_phone="0576-88888888",
        source_system="公交运营调度系统",
    )
    session.commit()
    page = get(client, f"/datasets/{ds.id}?lang=en")
    assert page.status_code == 200
    html = page.text
    assert 'lang="en"' in html and ds.catalog_code in html
    assert f'href="/organizations/{ds.organization.slug}"' in html
    assert "On time" in html and "next update due by" in html
    assert "驾驶员手机号" in html and "Conditionally open" in html
    assert f"/applications/new?dataset={ds.id}" in html
    assert f"/feedback/new?dataset={ds.id}&amp;kind=error_report" in html
    assert "公交运营调度系统" in html and "0576-88888888" in html
    doc = json_ld(html)
    assert doc["@type"] == "Dataset" and doc["identifier"] == ds.catalog_code


def test_overdue_update_is_flagged(client: TestClient, session: Session) -> None:
    ds = factories.published_dataset(session)
    ds.last_updated_at = utcnow() - dt.timedelta(days=60)
    session.commit()
    html = get(client, f"/datasets/{ds.id}?lang=en").text
    assert "Overdue by 29 days" in html and "On time" not in html


def test_drafts_are_404_except_for_their_organization(
    client: TestClient, session: Session, cast: Cast
) -> None:
    officer = factories.actor(session, role="officer", org=cast.org)
    ds = factories.dataset(session, actor=officer)
    session.commit()
    assert get(client, f"/datasets/{ds.id}").status_code == 404
    sign_in(client, cast.other_officer)
    assert get(client, f"/datasets/{ds.id}").status_code == 404
    sign_in(client, cast.officer)
    own = get(client, f"/datasets/{ds.id}")
    assert own.status_code == 200 and "application/ld+json" not in own.text
    assert get(client, "/datasets/999999").status_code == 404


def test_hostile_text_is_escaped_everywhere(client: TestClient, session: Session) -> None:
    items = [DataItemIn(label=HOSTILE, name="evil"), DataItemIn(label="线路", name="line")]
    ds = factories.published_dataset(
        session, title="公交" + HOSTILE, summary=HOSTILE * 2, keywords=[HOSTILE], items=items
    )
    session.commit()
    html = get(client, f"/datasets/{ds.id}").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert json_ld(html)["name"] == "公交" + HOSTILE
    for path in (f"/organizations/{ds.organization.slug}", "/domains/jiao-tong-chu-xing"):
        listing = get(client, path).text
        assert "<script>alert" not in listing and "&lt;script&gt;" in listing


def test_data_sections_need_loaded_data(client: TestClient, session: Session) -> None:
    ds = factories.published_dataset(session)
    session.commit()
    empty = get(client, f"/datasets/{ds.id}?lang=en").text
    assert "No data has been loaded" in empty and "data-preview" not in empty
    assert "/export.csv" not in empty
    _load_version(session, ds)
    loaded = get(client, f"/datasets/{ds.id}?lang=en").text
    assert "data-preview" in loaded and 'data-rows-url="/api/v1/datasets/' in loaded
    for fmt in (
        "csv?encoding=gb18030",
        "csv?encoding=utf-8-sig",
        "xlsx",
        "json",
        "ndjson",
        "xml",
        "parquet",
    ):
        assert f"/api/v1/datasets/{ds.id}/export.{fmt}" in loaded
    assert "urllib.request" in loaded and "curl" in loaded
    assert "/api/3/action/package_show?id=" in loaded
    assert "data-map" not in loaded and "leaflet" not in loaded
    assert "v1" in loaded and "公交线路.csv" in loaded


def test_coordinates_give_a_map(client: TestClient, session: Session) -> None:
    items = [
        DataItemIn(label="站点", name="stop"),
        DataItemIn(label="经度", name="lng", data_type="decimal"),
        DataItemIn(label="纬度", name="lat", data_type="decimal"),
    ]
    ds = factories.published_dataset(session, items=items)
    _load_version(session, ds)
    html = get(client, f"/datasets/{ds.id}").text
    assert 'data-lat="lat"' in html and 'data-lng="lng"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "export.geojson" in html


def test_closed_dataset_shows_metadata_but_no_data(client: TestClient, session: Session) -> None:
    items = [DataItemIn(label="内部编号", name="code", grade="L4", open_attribute="closed")]
    ds = factories.published_dataset(session, open_attribute="closed", items=items)
    _load_version(session, ds)
    html = get(client, f"/datasets/{ds.id}?lang=en").text
    assert "This dataset is not open" in html and ds.catalog_code in html
    assert "/export." not in html and "data-preview" not in html
    assert "/applications/new" not in html


def test_unconditional_dataset_has_no_apply_button(client: TestClient, session: Session) -> None:
    ds = factories.published_dataset(session, items=[DataItemIn(label="线路", name="line")])
    session.commit()
    html = get(client, f"/datasets/{ds.id}").text
    assert "/applications/new" not in html and "/feedback/new" in html


def test_public_history_hides_internal_steps(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds = factories.published_dataset(session, org=cast.org)
    session.commit()
    public = get(client, f"/datasets/{ds.id}?lang=en").text
    assert "Published" in public and "Submitted for review" not in public
    sign_in(client, cast.officer)
    internal = get(client, f"/datasets/{ds.id}?lang=en").text
    assert "Submitted for review" in internal and "Manage in workbench" in internal


def test_preview_and_chart_columns_show_labels_with_field_names(
    client: TestClient, session: Session
) -> None:
    dataset = factories.published_dataset(session)
    _load_version(session, dataset)
    html = get(client, f"/datasets/{dataset.id}").text
    assert '<span class="col-label">线路名称</span><span class="col-name">line_name</span>' in html
    assert '<option value="line_name">线路名称 (line_name)</option>' in html
    labels = re.search(r'<script type="application/json" id="column-labels">(.*?)</script>', html)
    assert labels and json.loads(labels.group(1))["line_name"] == "线路名称"
