"""The real ckanapi client, unmodified, against a live server on 127.0.0.1."""

from __future__ import annotations

import pytest
from ckanapi import NotAuthorized, NotFound, RemoteCKAN

from tests.live_server import live, server  # noqa: F401  (the live-server fixtures)


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
