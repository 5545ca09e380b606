"""The CKAN-compatible Action API: envelope, errors, search, harvesting, writes, DataStore."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.catalog import workflow
from kaifang.catalog.vocabularies import seed_vocabularies
from tests import factories
from tests.web.helpers import bearer
from tests.web.test_data_api import _setup, _upload

A = "/api/3/action"


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and body["help"].endswith(
        "help_show?name=" + body["help"].rsplit("=", 1)[1]
    )
    return body["result"]


def _catalogue(session: Session) -> dict[str, Any]:
    seed_vocabularies(session)
    org_a, org_b = factories.organization(session), factories.organization(session)
    pub = [
        factories.published_dataset(
            session, org=org_a, keywords=["公交"], update_frequency="monthly"
        ),
        factories.published_dataset(session, org=org_a, keywords=["地铁"], open_attribute="closed"),
        factories.published_dataset(
            session, org=org_b, domains=["生态环境"], update_frequency="daily", keywords=["空气"]
        ),
        factories.published_dataset(session, org=org_b, keywords=["公交", "夜班"]),
        factories.published_dataset(session, org=org_b, keywords=["线路"]),
    ]
    officer = factories.user(session, role="officer", org=org_a, username="ckan-officer")
    draft = factories.dataset(
        session, actor=factories.auth_service.actor_for(officer), title="草稿数据集"
    )
    session.commit()
    return {"a": org_a, "b": org_b, "public": pub, "draft": draft}


def test_probes_envelope_and_errors(client: TestClient, session: Session) -> None:
    seed_vocabularies(session)
    session.commit()
    assert client.get("/api/3").json() == {"version": 3}
    assert client.get("/api").json() == {"version": 1}
    status = _ok(client.get(f"{A}/status_show"))
    assert status["ckan_version"] and "datastore" in status["extensions"]
    assert _ok(client.post("/api/action/site_read", json={})) is True
    unknown = client.get(f"{A}/nope")
    assert unknown.status_code == 400 and unknown.json().startswith(
        "Bad request: Action name not known"
    )
    get_write = client.get(f"{A}/package_create")
    assert get_write.status_code == 400 and "POST" in get_write.json()
    missing = client.get(f"{A}/package_show", params={"id": "no-such"})
    assert missing.status_code == 404
    assert missing.json()["error"]["__type"] == "Not Found Error"
    assert missing.json()["error"]["message"].startswith("Not found: ")
    bad = client.get(f"{A}/package_search", params={"fq": "secret_field:1"})
    assert bad.status_code == 400 and bad.json()["error"]["__type"] == "Search Query Error"
    sql = client.post(f"{A}/datastore_search_sql", json={"sql": "SELECT 1"})
    assert sql.status_code == 400 and "datastore_search" in sql.json()["error"]["message"]
    anon_write = client.post(f"{A}/package_create", json={"title": "匿名数据集"})
    assert anon_write.status_code == 403
    assert anon_write.json()["error"]["__type"] == "Authorization Error"
    bad_token = client.get(f"{A}/package_list", headers={"Authorization": "kf_nope"})
    assert bad_token.status_code == 403


def test_package_show_shape(client: TestClient, session: Session) -> None:
    cat = _catalogue(session)
    ds = cat["public"][0]
    pkg = _ok(client.get(f"{A}/package_show", params={"id": ds.catalog_code}))
    assert pkg == _ok(client.get(f"{A}/package_show", params={"id": str(ds.id)}))
    assert pkg["name"] == ds.catalog_code.lower()  # CKAN names are lower case
    assert pkg == _ok(client.get(f"{A}/package_show", params={"id": pkg["name"]}))
    assert pkg["state"] == "active" and pkg["private"] is False
    assert pkg["organization"]["name"] == cat["a"].slug and pkg["owner_org"] == str(cat["a"].id)
    assert pkg["tags"][0]["name"] == "公交" and pkg["groups"][0]["title"] == "交通出行"
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["grade"] == pkg["grade"] and extras["update_frequency"] == "monthly"
    assert pkg["catalog_code"] == ds.catalog_code and pkg["num_resources"] == 0
    draft = client.get(f"{A}/package_show", params={"id": cat["draft"].catalog_code})
    assert draft.status_code == 404
    assert cat["draft"].catalog_code.lower() not in _ok(client.get(f"{A}/package_list"))
    orgs = _ok(client.get(f"{A}/organization_list", params={"all_fields": "true"}))
    counts = {o["name"]: o["package_count"] for o in orgs}
    assert counts[cat["a"].slug] == 2 and counts[cat["b"].slug] == 3
    group = _ok(client.get(f"{A}/group_show", params={"id": "交通出行"}))
    assert group["name"] == "jiao-tong-chu-xing" and group["package_count"] == 4
    assert "公交" in _ok(client.get(f"{A}/tag_list"))
    assert any(lic["id"] == "open-agreement" for lic in _ok(client.get(f"{A}/license_list")))


def _search(client: TestClient, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = _ok(client.get(f"{A}/package_search", params=params))
    return result


def test_package_search_fq_combinations(client: TestClient, session: Session) -> None:
    cat = _catalogue(session)
    a, b = cat["a"].slug, cat["b"].slug
    assert _search(client)["count"] == 5
    assert _search(client, fq=f"organization:{a}")["count"] == 2
    assert _search(client, fq=f"organization:{a} OR organization:{b}")["count"] == 5
    assert _search(client, fq=f"-organization:{a}")["count"] == 3
    assert _search(client, fq="tags:公交")["count"] == 2
    assert _search(client, fq='tags:"公交" AND NOT organization:' + a)["count"] == 1
    assert _search(client, fq="open_attribute:closed")["count"] == 1
    assert _search(client, fq="update_frequency:daily")["count"] == 1
    assert _search(client, fq="groups:sheng-tai-huan-jing")["count"] == 1
    assert _search(client, fq="groups:生态环境 OR groups:交通出行")["count"] == 5
    assert _search(client, fq="res_format:CSV")["count"] == 0
    assert _search(client, fq="grade:L3")["count"] == 5  # the conditional item is L3
    assert _search(client, q="夜班")["count"] == 1
    assert _search(client, q=f"organization:{b}", fq="tags:公交")["count"] == 1
    assert _search(client, fq="metadata_modified:[2000-01-01T00:00:00Z TO *]")["count"] == 5
    assert _search(client, fq="metadata_modified:[* TO 2000-01-01T00:00:00Z]")["count"] == 0
    faceted = _search(client, **{"facet.field": '["organization","tags"]', "facet.limit": "1"})
    items = faceted["search_facets"]["organization"]["items"]
    assert items == [{"name": b, "display_name": cat["b"].name, "count": 3}]
    assert faceted["facets"]["tags"] == {"公交": 2}


def test_sort_rows_and_start(client: TestClient, session: Session) -> None:
    cat = _catalogue(session)
    ids = sorted(d.id for d in cat["public"])
    page = _search(client, sort="id asc", rows=2, start=2)
    assert [int(r["id"]) for r in page["results"]] == ids[2:4]
    desc = _search(client, sort="id desc", rows=1)
    assert int(desc["results"][0]["id"]) == ids[-1]
    titles = [r["title"] for r in _search(client, sort="title_string asc", rows=5)["results"]]
    assert titles == sorted(titles)
    assert len(_search(client, rows=5000)["results"]) == 5  # clamped, not refused
    bad = client.get(f"{A}/package_search", params={"rows": "many"})
    assert bad.status_code == 409 and bad.json()["error"]["rows"] == ["Invalid integer"]


def test_harvester_loop_gets_every_public_dataset_once(
    client: TestClient, session: Session
) -> None:
    cat = _catalogue(session)
    seen: list[str] = []
    start, previous = 0, None
    fq = "metadata_modified:[2000-01-01T00:00:00Z TO *]"
    while True:
        params = {"sort": "id asc", "rows": 2, "start": start, "fq": fq}
        page = client.get(f"{A}/package_search", params=params)
        assert page.text != previous  # the harvester stops on byte-identical pages
        previous = page.text
        results = page.json()["result"]["results"]
        if not results:
            break
        seen += [r["id"] for r in results]
        start += len(results)
    assert sorted(seen) == sorted(str(d.id) for d in cat["public"])
    assert len(seen) == len(set(seen)) and str(cat["draft"].id) not in seen
    hidden = _search(client, include_private="true", include_drafts="true")
    assert str(cat["draft"].id) not in {r["id"] for r in hidden["results"]}
    token = bearer(client, "ckan-officer")["authorization"].split(" ", 1)[1]
    mine = client.get(
        f"{A}/package_search", params={"include_private": "true"}, headers={"Authorization": token}
    ).json()["result"]
    assert str(cat["draft"].id) in {r["id"] for r in mine["results"]} and mine["count"] == 6
    draft = next(r for r in mine["results"] if r["id"] == str(cat["draft"].id))
    assert draft["private"] is True and draft["state"] == "draft"


def test_help_show_answers_for_every_action(client: TestClient, session: Session) -> None:
    from kaifang.web.api.ckan import READ_ACTIONS, WRITE_ACTIONS
    from kaifang.web.api.ckan_help import ACTION_HELP

    assert set(ACTION_HELP) == set(READ_ACTIONS) | set(WRITE_ACTIONS)
    seed_vocabularies(session)
    session.commit()
    status = client.get(f"{A}/status_show").json()
    followed = client.get(status["help"])
    assert followed.json()["result"] == ACTION_HELP["status_show"]
    text = _ok(client.get(f"{A}/help_show", params={"name": "package_search"}))
    assert ":param q:" in text and ":param fq:" in text
    unknown = client.get(f"{A}/help_show", params={"name": "user_create"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["__type"] == "Not Found Error"
    assert client.get(f"{A}/help_show").status_code == 409


def test_jsonp_wraps_get_responses_as_an_anonymous_visitor(
    client: TestClient, session: Session
) -> None:
    cat = _catalogue(session)
    token = bearer(client, "ckan-officer")["authorization"].split(" ", 1)[1]
    params = {"include_private": "true", "rows": "100"}
    wrapped = client.get(
        f"{A}/package_search",
        params={**params, "callback": "jQuery.cb_1", "_": "1700000000"},
        headers={"Authorization": token},
    )
    assert wrapped.status_code == 200
    assert wrapped.headers["content-type"].startswith("application/javascript")
    assert wrapped.headers["x-content-type-options"] == "nosniff"
    assert wrapped.text.startswith("/**/jQuery.cb_1(") and wrapped.text.endswith(");")
    body = json.loads(wrapped.text[len("/**/jQuery.cb_1(") : -2])
    ids = {r["id"] for r in body["result"]["results"]}
    assert body["success"] is True and str(cat["draft"].id) not in ids  # not as the officer
    anonymous = client.get(f"{A}/package_search", params=params).json()["result"]["results"]
    assert ids == {r["id"] for r in anonymous}
    missing = client.get(f"{A}/package_show", params={"id": "nope", "callback": "cb"})
    assert missing.status_code == 404 and missing.text.startswith("/**/cb(")
    for bad in ("alert(1)//", "a b", "cb;x", "1cb", "x" * 101, "cb回调", "a..b"):
        refused = client.get(f"{A}/package_list", params={"callback": bad})
        assert refused.status_code == 400 and "callback" in refused.json()
    posted = client.post(f"{A}/package_list?callback=cb", json={})
    assert posted.headers["content-type"].startswith("application/json")


def test_writes_with_raw_tokens_and_validation(client: TestClient, session: Session) -> None:
    seed_vocabularies(session)
    org = factories.organization(session)
    factories.user(session, role="officer", org=org, username="ckan-writer")
    session.commit()
    token = bearer(client, "ckan-writer")["authorization"].split(" ", 1)[1]
    raw, ckan_key = {"Authorization": token}, {"X-CKAN-API-Key": token}
    body = {
        "title": "公交站点",
        "notes": "全市公交站点位置信息。",
        "owner_org": org.slug,
        "tags": [{"name": "公交"}],
        "groups": [{"name": "交通出行"}],
        "extras": [{"key": "update_frequency", "value": "monthly"}],
        "license_id": "cc-by-4.0",
    }
    created = _ok(client.post(f"{A}/package_create", json=body, headers=raw))
    assert created["state"] == "draft" and created["update_frequency"] == "monthly"
    assert (
        created["groups"][0]["name"] == "jiao-tong-chu-xing"
        and created["license_id"] == "cc-by-4.0"
    )
    patched = _ok(
        client.post(
            f"{A}/package_patch",
            json={"id": created["name"], "notes": "更新后的说明。"},
            headers=ckan_key,
        )
    )
    assert patched["notes"] == "更新后的说明。" and patched["title"] == "公交站点"
    updated = _ok(
        client.post(
            "/api/action/package_update",
            data={"id": created["id"], "title": "公交站点位置"},
            headers=ckan_key,
        )
    )
    assert updated["title"] == "公交站点位置" and updated["notes"] == ""  # replace semantics
    assert updated["tags"] == [] and updated["update_frequency"] == "irregular"

    invalid = client.post(
        f"{A}/package_create",
        json={"title": "x", "extras": [{"key": "open_attribute", "value": "sometimes"}]},
        headers=raw,
    )
    assert invalid.status_code == 409
    error = invalid.json()["error"]
    assert error["__type"] == "Validation Error"
    assert error["title"] and error["open_attribute"] and "message" not in error
    vocab = client.post(
        f"{A}/package_create", json={"title": "空气质量", "update_frequency": "hourly"}, headers=raw
    )
    assert vocab.status_code == 409 and vocab.json()["error"]["update_frequency"]
    bad_name = client.post(
        f"{A}/package_create", json={"title": "空气质量", "name": "my-set"}, headers=raw
    )
    assert bad_name.status_code == 409 and bad_name.json()["error"]["name"]
    deleted = client.post(f"{A}/package_delete", json={"id": created["id"]}, headers=raw)
    assert deleted.status_code == 409  # drafts are edited, not withdrawn
    anonymous = client.post(f"{A}/package_patch", json={"id": created["id"], "notes": "x"})
    assert anonymous.status_code == 403


def test_datastore_search_on_uploaded_csv(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session, declare_items=True)
    _upload(client, officer, ds_id)
    for step in (workflow.submit_dataset, workflow.approve_dataset, workflow.publish_dataset):
        step(session, actor=SYSTEM, dataset_id=ds_id)
    session.commit()
    pkg = _ok(client.get(f"{A}/package_show", params={"id": str(ds_id)}))
    res = pkg["resources"][0]
    assert res["datastore_active"] is True and res["url"].endswith(f"/datasets/{ds_id}/export.csv")
    assert _ok(client.get(f"{A}/resource_show", params={"id": res["id"]}))["id"] == res["id"]
    rid = res["id"]

    everything = _ok(client.get(f"{A}/datastore_search", params={"resource_id": rid}))
    names = [f["id"] for f in everything["fields"]]
    assert "驾驶员身份证号" not in names and "线路编号" in names
    assert everything["total"] == 3 and len(everything["records"]) == 3
    assert all("驾驶员身份证号" not in r for r in everything["records"])

    filtered = _ok(
        client.post(
            f"{A}/datastore_search", json={"resource_id": rid, "filters": {"线路名称": "107路"}}
        )
    )
    assert [r["线路编号"] for r in filtered["records"]] == ["0107"] and filtered["total"] == 1
    searched = _ok(client.get(f"{A}/datastore_search", params={"resource_id": rid, "q": "夜班"}))
    assert [r["线路编号"] for r in searched["records"]] == ["=cmd"]
    paged = _ok(
        client.get(
            f"{A}/datastore_search",
            params={"resource_id": rid, "sort": "线路编号 desc", "limit": 1, "offset": 1},
        )
    )
    assert [r["线路编号"] for r in paged["records"]] == ["0107"] and paged["total"] == 3
    assert paged["_links"]["next"].endswith("offset=2")
    beyond = _ok(client.get(f"{A}/datastore_search", params={"resource_id": rid, "offset": 10}))
    assert beyond["records"] == [] and beyond["total"] == 3
    fields_only = _ok(client.get(f"{A}/datastore_search", params={"resource_id": rid, "limit": 0}))
    assert fields_only["records"] == [] and fields_only["fields"]
    hidden = client.get(
        f"{A}/datastore_search", params={"resource_id": rid, "filters": '{"驾驶员身份证号": "x"}'}
    )
    assert hidden.status_code in (403, 409) and hidden.json()["success"] is False
    info = _ok(client.get(f"{A}/datastore_info", params={"id": rid}))
    assert info["meta"]["count"] == 3
    assert "驾驶员身份证号" not in [f["id"] for f in info["fields"]]


def test_datastore_search_distinct(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session)
    csv = "区县,类别,数量\n椒江区,A,1\n椒江区,A,1\n黄岩区,B,2\n椒江区,A,1\n椒江区,B,3\n"
    files = {"file": ("分类.csv", csv.encode("utf-8"), "text/csv")}
    started = client.post(f"/api/v1/datasets/{ds_id}/resources", files=files, headers=officer)
    assert started.status_code == 202, started.text
    for step in (workflow.submit_dataset, workflow.approve_dataset, workflow.publish_dataset):
        step(session, actor=SYSTEM, dataset_id=ds_id)
    session.commit()
    rid = _ok(client.get(f"{A}/package_show", params={"id": str(ds_id)}))["resources"][0]["id"]

    def search(**params: object) -> dict:
        return _ok(client.post(f"{A}/datastore_search", json={"resource_id": rid, **params}))

    plain = search()
    assert plain["total"] == 5
    rows = search(distinct=True)
    assert rows["distinct"] is True and rows["total"] == 3
    assert [(r["区县"], r["类别"]) for r in rows["records"]] == [
        ("椒江区", "A"),
        ("黄岩区", "B"),
        ("椒江区", "B"),
    ]
    districts = search(distinct=True, fields=["区县"])
    assert [r["区县"] for r in districts["records"]] == ["椒江区", "黄岩区"]
    second = search(distinct="true", fields="区县", limit=1, offset=1)
    assert [r["区县"] for r in second["records"]] == ["黄岩区"]
    filtered = search(distinct=True, fields=["类别"], filters={"区县": "椒江区"})
    assert [r["类别"] for r in filtered["records"]] == ["A", "B"]
