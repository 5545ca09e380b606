"""The real ckanapi client and CLI, unmodified, against a live server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, ValidationError

from tests.live_server import live, server  # noqa: F401  (the live-server fixtures)

CKANAPI = str(Path(sys.executable).with_name("ckanapi"))
CSV = "站点编号,站点名称,经度,纬度\nS1,火车站,121.41,28.65\nS2,市政府,121.42,28.66\n"


def live_token(base: str, username: str, password: str) -> str:
    """Sign in through the real endpoints and issue a personal API token."""
    with httpx.Client(base_url=base) as client:
        login = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert login.status_code == 200, login.text
        page = client.get("/account", headers={"accept": "text/html"}).text
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        made = client.post(
            "/api/v1/me/tokens", json={"name": "ckanapi"}, headers={"x-csrf-token": csrf}
        )
        assert made.status_code in (200, 201), made.text
        return str(made.json()["token"])


def _cli(*args: str) -> list[dict]:
    # ``dump`` starts its workers as ``ckanapi`` from PATH.
    env = {**os.environ, "PATH": f"{Path(CKANAPI).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [CKANAPI, *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_ckanapi_reads_and_is_refused_writes(server: str) -> None:  # noqa: F811
    ckan = RemoteCKAN(server, user_agent="ckanapi-test")
    status = ckan.action.status_show()
    assert "ckan_version" in status
    names = ckan.action.package_list()
    assert names
    found = ckan.action.package_search(q="公交", rows=5, sort="id asc")
    assert found["count"] >= 1
    package = ckan.action.package_show(id=found["results"][0]["name"])
    assert package["organization"]["title"] and "catalog_code" in package
    resource = next(r for r in package["resources"] if r.get("datastore_active"))
    rows = ckan.action.datastore_search(resource_id=resource["id"], limit=3)
    assert rows["total"] > 0 and len(rows["records"]) == 3
    with pytest.raises(NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(NotAuthorized):
        ckan.action.package_create(name="x", title="x")


def test_ckanapi_creates_a_package_and_uploads_a_resource(
    server: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    token = live_token(server, "officer", "demo-officer-pass")
    ckan = RemoteCKAN(server, apikey=token, user_agent="ckanapi-test")
    package = ckan.action.package_create(
        title="公交站点（客户端测试）",
        notes="通过 ckanapi 登记的数据集。",
        tags=[{"name": "公交"}],
        extras=[{"key": "update_frequency", "value": "monthly"}],
    )
    assert package["state"] == "draft" and package["organization"]["name"]
    path = tmp_path / "站点.csv"
    path.write_text(CSV, encoding="utf-8")
    with path.open("rb") as upload:
        resource = ckan.action.resource_create(
            package_id=package["id"], name="站点表", format="CSV", upload=upload
        )
    assert resource["package_id"] == package["id"] and resource["name"] == "站点表"
    assert resource["kaifang_job_id"] and resource["row_count"] == 2
    shown = ckan.action.package_show(id=package["name"])
    assert [r["id"] for r in shown["resources"]] == [resource["id"]]
    rows = ckan.action.datastore_search(resource_id=resource["id"], sort="站点编号 desc")
    assert [r["站点编号"] for r in rows["records"]] == ["S2", "S1"]
    with pytest.raises(ValidationError):
        ckan.action.package_create(title="", notes="x")
    anonymous = RemoteCKAN(server, user_agent="ckanapi-test")
    with pytest.raises(NotFound):  # drafts are invisible without permission
        anonymous.action.package_show(id=package["name"])


def test_ckanapi_cli_search_and_dump(server: str) -> None:  # noqa: F811
    searched = _cli("search", "datasets", "q=公交", "-r", server)
    assert searched and all(p["state"] == "active" for p in searched)
    assert any("公交" in json.dumps(p, ensure_ascii=False) for p in searched)
    listed = RemoteCKAN(server).action.package_list()
    dumped = _cli("dump", "datasets", "--all", "-p", "1", "-r", server)
    assert sorted(p["name"] for p in dumped) == sorted(listed)
    assert all(p["resources"] is not None and p["organization"] for p in dumped)
