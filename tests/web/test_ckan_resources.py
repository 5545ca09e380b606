"""CKAN resource and group actions: create, update (new versions), patch, delete, revise."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.catalog.vocabularies import seed_vocabularies
from tests import factories
from tests.web.test_ckan_api import A, _ok
from tests.web.test_data_api import CSV_TEXT, _setup

SECOND_VERSION = CSV_TEXT + "0200,200路,331002197003031236,4,20240101,121.40,28.60\n"


def _raw(headers: dict[str, str]) -> dict[str, str]:
    """The same token sent raw, as ckanapi and CKAN do."""
    return {"Authorization": headers["authorization"].split(" ", 1)[1]}


def _versions(client: TestClient, headers: dict[str, str], ds_id: int) -> list[Any]:
    body = client.get(f"/api/v1/datasets/{ds_id}/versions", headers=headers).json()
    return [v["number"] for r in body for v in r["versions"]]


def test_resource_create_update_patch_delete(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session, declare_items=True)
    raw = _raw(officer)
    files = {"upload": ("线路.csv", CSV_TEXT.encode("gb18030"), "text/csv")}
    data = {"package_id": str(ds_id), "name": "线路表", "description": "第一版", "format": "csv"}
    created = _ok(client.post(f"{A}/resource_create", data=data, files=files, headers=raw))
    assert created["name"] == "线路表" and created["description"] == "第一版"
    assert created["format"] == "CSV" and created["kaifang_job_id"]
    assert _versions(client, officer, ds_id) == [1]
    rid = created["id"]

    renamed = _ok(
        client.post(f"{A}/resource_update", json={"id": rid, "name": "线路清单"}, headers=raw)
    )
    assert renamed["name"] == "线路清单" and renamed["description"] == ""  # replace semantics
    assert "kaifang_job_id" not in renamed and _versions(client, officer, ds_id) == [1]
    # Sending back the URL we publish for the resource is not a new source.
    same_url = _ok(client.post(f"{A}/resource_update", json={**renamed, "id": rid}, headers=raw))
    assert "kaifang_job_id" not in same_url

    files = {"upload": ("线路.csv", SECOND_VERSION.encode("utf-8"), "text/csv")}
    new_file = _ok(client.post(f"{A}/resource_update", data={"id": rid}, files=files, headers=raw))
    assert new_file["kaifang_job_id"] and _versions(client, officer, ds_id) == [1, 2]
    assert new_file["row_count"] == 4

    patched = _ok(
        client.post(f"{A}/resource_patch", json={"id": rid, "description": "四条线路"}, headers=raw)
    )
    assert patched["name"] == "线路清单" and patched["description"] == "四条线路"
    bad_url = client.post(f"{A}/resource_patch", json={"id": rid, "url": "ftp://x/y"}, headers=raw)
    assert bad_url.status_code == 409 and bad_url.json()["error"]["url"]
    assert client.get(f"{A}/resource_update", params={"id": rid}).status_code == 400

    assert _ok(client.post(f"{A}/resource_delete", json={"id": rid}, headers=raw)) is None
    gone = client.get(f"{A}/resource_show", params={"id": rid}, headers=raw)
    assert gone.status_code == 404 and gone.json()["error"]["__type"] == "Not Found Error"
    package = _ok(client.get(f"{A}/package_show", params={"id": str(ds_id)}, headers=raw))
    assert package["resources"] == [] and package["num_resources"] == 0


def test_resource_writes_need_the_owning_organization(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session)
    files = {"upload": ("线路.csv", CSV_TEXT.encode("utf-8"), "text/csv")}
    data = {"package_id": str(ds_id)}
    rid = _ok(client.post(f"{A}/resource_create", data=data, files=files, headers=_raw(officer)))[
        "id"
    ]
    other = factories.organization(session)
    factories.user(session, role="officer", org=other, username="other-officer")
    session.commit()
    from tests.web.helpers import bearer

    stranger = _raw(bearer(client, "other-officer"))
    hidden = client.post(f"{A}/resource_delete", json={"id": rid}, headers=stranger)
    assert hidden.status_code == 404  # a draft of another organization does not exist for them
    anonymous = client.post(f"{A}/resource_delete", json={"id": rid})
    assert anonymous.status_code == 403
    assert anonymous.json()["error"]["__type"] == "Authorization Error"


def test_group_package_show_and_package_revise(client: TestClient, session: Session) -> None:
    seed_vocabularies(session)
    org = factories.organization(session)
    traffic = factories.published_dataset(session, org=org, domains=["交通出行"])
    factories.published_dataset(session, org=org, domains=["生态环境"])
    factories.user(session, role="officer", org=org, username="revise-officer")
    session.commit()
    listed = _ok(client.get(f"{A}/group_package_show", params={"id": "交通出行", "limit": 5}))
    assert [p["id"] for p in listed] == [str(traffic.id)]
    missing = client.get(f"{A}/group_package_show", params={"id": "nope"})
    assert missing.status_code == 404

    from tests.web.helpers import bearer

    raw = _raw(bearer(client, "revise-officer"))
    stale = client.post(
        f"{A}/package_revise",
        json={"match": {"id": str(traffic.id), "title": "旧标题"}, "update": {"notes": "x"}},
        headers=raw,
    )
    assert stale.status_code == 409 and stale.json()["error"]["match"]
    revised = _ok(
        client.post(
            f"{A}/package_revise",
            json={
                "match": {"id": str(traffic.id), "title": traffic.title},
                "update": {"notes": "新的说明"},
            },
            headers=raw,
        )
    )
    # A published dataset's edits wait for review as a revision.
    assert revised["package"]["id"] == str(traffic.id) and revised["package"]["pending_revision_id"]
    nested = client.post(
        f"{A}/package_revise",
        data={"match__id": str(traffic.id), "update__resources__0__name": "x"},
        headers=raw,
    )
    assert nested.status_code == 409


ISSUE_READS = [
    "status_show",
    "site_read",
    "package_list",
    "package_show",
    "package_search",
    "resource_show",
    "organization_list",
    "organization_show",
    "group_list",
    "group_show",
    "group_package_show",
    "tag_list",
    "license_list",
    "current_package_list_with_resources",
    "recently_changed_packages_activity_list",
    "datastore_search",
    "datastore_info",
]
ISSUE_WRITES = [
    "package_create",
    "package_update",
    "package_patch",
    "package_revise",
    "package_delete",
    "resource_create",
    "resource_update",
    "resource_patch",
    "resource_delete",
]


def test_every_action_of_the_contract_is_served(client: TestClient, session: Session) -> None:
    seed_vocabularies(session)
    session.commit()
    for name in ISSUE_READS:
        response = client.get(f"{A}/{name}")
        assert isinstance(response.json(), dict), name  # the envelope, not "not known"
        assert response.status_code in (200, 404, 409), (name, response.text)
    for name in ISSUE_WRITES:
        assert client.get(f"{A}/{name}").status_code == 400, name  # POST only
        anonymous = client.post(f"/api/action/{name}", json={})
        assert anonymous.status_code == 403, name
        assert anonymous.json()["error"]["__type"] == "Authorization Error"
