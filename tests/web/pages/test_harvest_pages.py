"""The harvest workbench: register a source, run it now, read the run report, in both languages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.interop.harvest.models import HarvestRun, HarvestSource
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, post_form, sign_in

FORM = {
    "name": "黄岩区平台",
    "kind": "dcat",
    "url": "http://127.0.0.1:1/catalog.ttl",
    "schedule": "weekly",
    "fq": "",
}


def test_admin_registers_runs_and_reads_the_report(
    client: TestClient, session: Session, cast: Cast
) -> None:
    sign_in(client, cast.admin)
    page = get(client, "/workbench/harvest")
    assert page.status_code == 200 and "登记采集源" in page.text
    assert 'name="match_publishers"' in page.text and "按发布机构归入" in page.text
    created = post_form(
        client,
        "/workbench/harvest/sources",
        {**FORM, "organization_id": cast.org.id, "match_publishers": "true"},
    )
    assert created.status_code == 303, created.text
    source = session.query(HarvestSource).filter_by(name="黄岩区平台").one()
    assert source.schedule == "weekly" and source.kind == "dcat"
    assert source.filters["match_publishers"] is True

    listed = get(client, "/workbench/harvest?done=created").text
    assert "采集源已登记" in listed and "立即采集" in listed and "每周" in listed
    assert '<span class="badge badge-muted">按发布机构归入</span>' in listed
    started = post_form(client, f"/workbench/harvest/sources/{source.id}/run", {})
    assert started.status_code == 303
    run = session.query(HarvestRun).filter_by(source_id=source.id).one()
    report = get(client, f"/workbench/harvest/runs/{run.id}")
    assert report.status_code == 200
    assert "失败" in report.text and "not allowed" in report.text
    english = get(client, f"/workbench/harvest/runs/{run.id}?lang=en").text
    assert f"Harvest run {run.id}" in english and "Failed" in english


def test_a_refused_form_is_shown_again_with_the_reason(
    client: TestClient, session: Session, cast: Cast
) -> None:
    sign_in(client, cast.admin)
    bad = post_form(
        client,
        "/workbench/harvest/sources",
        {**FORM, "url": "ftp://x", "organization_id": cast.org.id},
    )
    assert bad.status_code == 422 and "url" in bad.text
    assert re.search(r'name="name"[^>]*value="黄岩区平台"', bad.text)


def test_officers_may_not_open_the_page(client: TestClient, cast: Cast) -> None:
    sign_in(client, cast.officer)
    assert get(client, "/workbench/harvest").status_code == 403
    sign_in(client, cast.reviewer)
    page = get(client, "/workbench/harvest").text
    assert "登记采集源" in page
