"""Exports made while signed in are listed under My account with their filter."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.activity.models import DownloadRecord
from kaifang.auth.actor import SYSTEM
from kaifang.catalog import workflow
from tests.web.test_data_api import _setup, _upload


def test_signed_in_downloads_are_remembered(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session, declare_items=True)
    _upload(client, officer, ds_id)
    for step in (workflow.submit_dataset, workflow.approve_dataset, workflow.publish_dataset):
        step(session, actor=SYSTEM, dataset_id=ds_id)
    session.commit()
    assert client.get(f"/api/v1/datasets/{ds_id}/export.csv").status_code == 200
    assert session.query(DownloadRecord).count() == 0  # anonymous: counted, not remembered
    filtered = client.get(
        f"/api/v1/datasets/{ds_id}/export.csv",
        params={"票价__gte": "2", "encoding": "gb18030"},
        headers=officer,
    )
    assert filtered.status_code == 200
    account = client.get("/account", headers={**officer, "accept": "text/html"}).text
    assert f"/api/v1/datasets/{ds_id}/export.csv?" in account and "encoding=gb18030" in account
    listing = client.get("/account/downloads", headers={**officer, "accept": "text/html"})
    assert listing.status_code == 200 and "公交线路" in listing.text
