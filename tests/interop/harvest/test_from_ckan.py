"""CKAN packages → harvested records, and package_search paging (with a fake fetch)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from kaifang.interop.harvest.fetching import Document, HarvestSourceError
from kaifang.interop.harvest.from_ckan import collect, map_package, parse_page, search_url
from kaifang.interop.harvest.records import FailedRecord, HarvestedDataset, MappingError

PACKAGE: dict[str, Any] = {
    "id": "b8d2-uuid",
    "name": "bus-lines",
    "title": "Bus lines",
    "notes": "All bus lines of the city.",
    "license_id": "cc-by-4.0",
    "maintainer": "Transport office",
    "maintainer_email": "open@example.gov.cn",
    "tags": [{"name": "bus"}, {"name": "transport"}],
    "groups": [{"name": "transport", "title": "交通出行"}],
    "extras": [{"key": "update_frequency", "value": "weekly"}, {"key": "grade", "value": "L2"}],
    "resources": [
        {"name": "CSV", "url": "https://example.org/bus.csv", "format": "csv"},
        {"name": "local", "url": "file:///etc/passwd", "format": "txt"},
    ],
}


def test_a_plain_ckan_package_maps_with_extras() -> None:
    record = map_package(PACKAGE, "https://ckan.example.org/")
    assert (record.guid, record.stable_key, record.title) == ("b8d2-uuid", "bus-lines", "Bus lines")
    assert record.keywords == ("bus", "transport")
    assert record.themes == (("transport", "交通出行"),)
    assert (record.update_frequency, record.grade, record.licence) == ("weekly", "L2", "cc-by-4.0")
    assert [(r.url, r.format) for r in record.resources] == [("https://example.org/bus.csv", "CSV")]
    assert record.source_url == "https://ckan.example.org/dataset/bus-lines"


def test_a_kaifang_package_keys_on_its_catalogue_code_and_domains() -> None:
    package = {
        **PACKAGE,
        "catalog_code": "331002-G01001-00007",
        "domains": ["jiao-tong-chu-xing"],
        "open_attribute": "conditional",
        "extras": [{"key": "grade", "value": "L1"}],
        "grade": "L3",
    }
    record = map_package(package, "https://city.example.org")
    assert record.stable_key == "331002-G01001-00007"
    assert record.themes == (("jiao-tong-chu-xing",),)
    assert (record.open_attribute, record.grade) == ("conditional", "L3")


@pytest.mark.parametrize(
    "package,reason",
    [({"title": "x"}, "neither id nor name"), ({"id": "1", "title": ""}, "no usable title")],
)
def test_unusable_packages_raise_a_reason(package: dict[str, Any], reason: str) -> None:
    with pytest.raises(MappingError, match=reason):
        map_package(package, "https://ckan.example.org")


def test_a_changed_mapped_field_changes_the_hash_but_an_unmapped_one_does_not() -> None:
    base = map_package(PACKAGE, "https://c").content_hash()
    assert map_package({**PACKAGE, "num_followers": 9}, "https://c").content_hash() == base
    assert map_package({**PACKAGE, "title": "Bus routes"}, "https://c").content_hash() != base


@pytest.mark.parametrize(
    "body,reason",
    [
        (b"<html>", "valid JSON"),
        (b'{"success": false, "error": {}}', "success"),
        (b'{"success": true, "result": {"count": 1}}', "results"),
    ],
)
def test_bad_pages_fail_the_run(body: bytes, reason: str) -> None:
    with pytest.raises(HarvestSourceError, match=reason):
        parse_page(body)


def _pages(packages: list[Any], *, ignore_start: bool = False):  # type: ignore[no-untyped-def]
    calls: list[str] = []

    def fetch(url: str) -> Document:
        calls.append(url)
        query = parse_qs(urlsplit(url).query)
        start = 0 if ignore_start else int(query["start"][0])
        rows = int(query["rows"][0])
        result = {"count": len(packages), "results": packages[start : start + rows]}
        return Document(url, json.dumps({"success": True, "result": result}).encode(), "")

    return fetch, calls


def test_collect_pages_by_start_in_id_order() -> None:
    packages: list[Any] = [{**PACKAGE, "id": f"p{n:03d}", "name": f"n{n}"} for n in range(230)]
    packages[5] = "not an object"
    fetch, calls = _pages(packages)
    records = collect(fetch, "https://ckan.example.org", {"fq": "organization:a"}, lambda *_: None)
    assert len(records) == 230 and len(calls) == 3
    assert isinstance(records[5], FailedRecord) and "not a JSON object" in records[5].reason
    assert all(isinstance(r, HarvestedDataset) for i, r in enumerate(records) if i != 5)
    query = parse_qs(urlsplit(calls[0]).query)
    assert query["sort"] == ["id asc"] and query["fq"] == ["organization:a"]


def test_a_source_ignoring_start_is_detected() -> None:
    packages = [{**PACKAGE, "id": f"p{n}"} for n in range(150)]
    fetch, _ = _pages(packages, ignore_start=True)
    with pytest.raises(HarvestSourceError, match="paging"):
        collect(fetch, "https://ckan.example.org", {}, lambda *_: None)


def test_search_url_pages_with_sort_rows_and_start() -> None:
    url = search_url("https://c.example.org/", 200, {"q": "公交"})
    assert url.startswith("https://c.example.org/api/3/action/package_search?")
    assert parse_qs(urlsplit(url).query) == {
        "sort": ["id asc"],
        "rows": ["100"],
        "start": ["200"],
        "q": ["公交"],
    }
