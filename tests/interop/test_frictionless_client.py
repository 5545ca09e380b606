"""The frictionless CKAN adapter, unmodified, reading from a live server on 127.0.0.1."""

from __future__ import annotations

from frictionless import Package, portals
from frictionless.resources import TableResource

from tests.live_server import live, server  # noqa: F401  (the live-server fixtures)


def _bus_package(base: str) -> str:
    import httpx

    found = httpx.get(
        f"{base}/api/3/action/package_search", params={"q": "公交", "rows": 50, "sort": "id asc"}
    ).json()["result"]["results"]
    served = [p for p in found if any(r["datastore_active"] for r in p["resources"])]
    assert served, "the demo catalogue has a served bus dataset"
    return str(served[0]["name"])


def test_frictionless_reads_a_package_and_its_rows(server: str) -> None:  # noqa: F811
    name = _bus_package(server)
    package = Package(f"{server}/dataset/{name}", control=portals.CkanControl())
    assert package.title and package.description and package.keywords
    assert package.licenses is not None
    resource = package.resources[0]
    assert isinstance(resource, TableResource)
    assert resource.path.startswith(server) and resource.format == "csv"
    rows = resource.read_rows()
    assert rows and resource.schema.field_names
    assert all(len(row) == len(resource.schema.field_names) for row in rows)


def test_frictionless_reads_a_catalogue_by_search_and_group(server: str) -> None:  # noqa: F811
    control = portals.CkanControl(baseurl=server, search={"q": "公交"}, num_packages=5)
    catalog = portals.CkanAdapter(control).read_catalog()
    assert catalog.datasets and all(d.package.title for d in catalog.datasets)
    import httpx

    group = httpx.get(f"{server}/api/3/action/group_list").json()["result"][0]
    by_group = portals.CkanAdapter(
        portals.CkanControl(baseurl=server, group_id=group, num_packages=3)
    ).read_catalog()
    assert len(by_group.datasets) <= 3
