"""DCAT-AP 3.0.1 exports, Data Packages and schema.org: shapes, visibility, paging, escaping."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.catalog import workflow
from kaifang.interop import dcat
from kaifang.interop.rdf import (
    IRI,
    PREFIXES,
    BNode,
    Literal,
    Triple,
    ns,
    to_jsonld,
    to_rdfxml,
    to_turtle,
    turtle_term,
)
from tests import factories
from tests.web.test_data_api import _setup, _upload

BASE = "http://testserver"
RDF_TYPE = PREFIXES["rdf"] + "type"
CHECKED = {
    "Catalog": PREFIXES["dcat"] + "Catalog",
    "Dataset": PREFIXES["dcat"] + "Dataset",
    "Distribution": PREFIXES["dcat"] + "Distribution",
    "DataService": PREFIXES["dcat"] + "DataService",
}


def _graph(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(subject, predicate, object) with full IRIs from our flat JSON-LD; literals as values."""
    context: dict[str, str] = doc["@context"]

    def full(name: str) -> str:
        prefix, _, local = name.partition(":")
        return context[prefix] + local if prefix in context and not local.startswith("//") else name

    out: set[tuple[str, str, str]] = set()
    for node in doc["@graph"]:
        subject = full(node["@id"])
        out |= {(subject, RDF_TYPE, full(t)) for t in node.get("@type", [])}
        for key, values in node.items():
            if not key.startswith("@"):
                out |= {
                    (subject, full(key), full(v["@id"]) if "@id" in v else v["@value"])
                    for v in values
                }
    return out


def _of(graph: set[tuple[str, str, str]], subject: str, predicate: str) -> list[str]:
    iri = ns(predicate).value
    return sorted(o for s, p, o in graph if s == subject and p == iri)


def _instances(graph: set[tuple[str, str, str]], cls: str) -> list[str]:
    return sorted(s for s, p, o in graph if p == RDF_TYPE and o == cls)


def _catalogue(client: TestClient, session: Session) -> dict[str, Any]:
    officer, loaded_id = _setup(client, session, declare_items=True)
    _upload(client, officer, loaded_id)
    for step in (workflow.submit_dataset, workflow.approve_dataset, workflow.publish_dataset):
        step(session, actor=SYSTEM, dataset_id=loaded_id)
    closed = factories.published_dataset(
        session,
        open_attribute="closed",
        title='封闭 "数据" <集>',
        summary="第一行\n第二行 & 更多",
        update_frequency="daily",
        temporal_start=dt.date(2020, 1, 1),
        temporal_end=dt.date(2024, 12, 31),
        spatial_coverage="台州市椒江区",
        licence="cc-by-4.0",
        contact_name="数据管理处",
        contact_email="data@example.cn",
        contact_phone="0576-88888888",
    )
    draft = factories.dataset(session, title="草稿数据集")
    session.commit()
    return {"loaded": loaded_id, "closed": closed, "draft": draft}


def test_catalog_lists_published_datasets_only(client: TestClient, session: Session) -> None:
    """Shape conformance is checked by pyshacl in test_dcat_shacl; here: what is listed."""
    ids = _catalogue(client, session)
    response = client.get("/catalog.jsonld")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/ld+json"
    )
    graph = _graph(response.json())
    assert all(_instances(graph, cls) for cls in CHECKED.values())
    datasets = _instances(graph, CHECKED["Dataset"])
    assert f"{BASE}/datasets/{ids['loaded']}" in datasets
    assert f"{BASE}/datasets/{ids['closed'].id}" in datasets
    assert f"{BASE}/datasets/{ids['draft'].id}" not in datasets


def test_dataset_description(client: TestClient, session: Session) -> None:
    ids = _catalogue(client, session)
    loaded = f"{BASE}/datasets/{ids['loaded']}"
    graph = _graph(client.get(f"/dataset/{ids['loaded']}.jsonld").json())
    assert _of(graph, loaded, "dct:title") == ["公交线路"]
    assert _of(graph, loaded, "dct:identifier")[0].startswith("331002")
    assert _of(graph, loaded, "dct:accrualPeriodicity") == [
        "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
    ]
    publisher = _of(graph, loaded, "dct:publisher")[0]
    assert _of(graph, publisher, "foaf:name") and _of(graph, loaded, "dcat:contactPoint")
    assert _of(graph, loaded, "dcat:theme") and _of(graph, loaded, "dct:issued")
    distributions = _of(graph, loaded, "dcat:distribution")
    assert len(distributions) == len(dcat.EXPORT_FORMATS)
    csv = f"{loaded}/distributions/csv"
    assert _of(graph, csv, "dcat:downloadURL") == [
        f"{BASE}/api/v1/datasets/{ids['loaded']}/export.csv"
    ]
    assert _of(graph, csv, "dct:format") == [
        "http://publications.europa.eu/resource/authority/file-type/CSV"
    ]
    assert _of(graph, csv, "dcat:mediaType") == [
        "https://www.iana.org/assignments/media-types/text/csv"
    ]
    assert _of(graph, csv, "dct:license")
    service = f"{BASE}/api/v1"
    assert _of(graph, service, "dcat:servesDataset") == [loaded]
    assert _of(graph, service, "dcat:endpointURL") == [service]
    by_code = client.get(f"/dataset/{_of(graph, loaded, 'dct:identifier')[0]}.ttl")
    assert by_code.status_code == 200 and '"公交线路"@zh' in by_code.text


def test_closed_dataset_has_metadata_but_no_distributions(
    client: TestClient, session: Session
) -> None:
    closed = _catalogue(client, session)["closed"]
    node = f"{BASE}/datasets/{closed.id}"
    graph = _graph(client.get(f"/dataset/{closed.id}.jsonld").json())
    assert _of(graph, node, "dct:title") == ['封闭 "数据" <集>']
    assert _of(graph, node, "dct:description") == ["第一行\n第二行 & 更多"]
    assert _of(graph, node, "dcat:distribution") == []
    assert not _instances(graph, CHECKED["DataService"])
    assert _of(graph, node, "dct:accessRights") == [
        "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
    ]
    period = _of(graph, node, "dct:temporal")[0]
    assert _of(graph, period, "dcat:startDate") == ["2020-01-01"]
    region = _of(graph, node, "dct:spatial")[0]
    assert _of(graph, region, "locn:geographicName") == ["台州市椒江区"]
    contact = _of(graph, node, "dcat:contactPoint")[0]
    assert _of(graph, contact, "vcard:hasEmail") == ["mailto:data@example.cn"]
    assert _of(graph, node, "dct:license") == []  # licences are given on distributions only
    ttl = client.get(f"/dataset/{closed.id}.ttl").text
    assert '"封闭 \\"数据\\" <集>"@zh' in ttl and '"第一行\\n第二行 & 更多"@zh' in ttl
    xml = client.get(f"/dataset/{closed.id}.rdf")
    assert xml.headers["content-type"].startswith("application/rdf+xml")
    root = ET.fromstring(xml.content)
    titles = [e for e in root.iter(f"{{{PREFIXES['dct']}}}title") if e.text == '封闭 "数据" <集>']
    assert titles and titles[0].get("{http://www.w3.org/XML/1998/namespace}lang") == "zh"


def test_unpublished_and_unknown_datasets_are_not_found(
    client: TestClient, session: Session
) -> None:
    draft = _catalogue(client, session)["draft"]
    for path in (
        f"/dataset/{draft.id}.ttl",
        f"/dataset/{draft.catalog_code}.jsonld",
        "/dataset/999999.rdf",
        f"/dataset/{draft.id}/datapackage.json",
        f"/dataset/{draft.id}/schema.jsonld",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/catalog.xyz").status_code == 404


def test_catalog_paging_and_modified_since(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _catalogue(client, session)
    monkeypatch.setattr(dcat, "PAGE_SIZE", 1)
    first = _graph(client.get("/catalog.jsonld").json())
    view = f"{BASE}/catalog.jsonld?page=1"
    assert _of(first, view, "hydra:totalItems") == ["2"]
    assert _of(first, view, "hydra:next") == [f"{BASE}/catalog.jsonld?page=2"]
    assert _of(first, view, "hydra:last") == [f"{BASE}/catalog.jsonld?page=2"]
    assert _instances(first, CHECKED["Dataset"]) == [f"{BASE}/datasets/{ids['loaded']}"]
    second = _graph(client.get("/catalog.jsonld", params={"page": 2}).json())
    assert _of(second, f"{BASE}/catalog.jsonld?page=2", "hydra:previous")
    assert _instances(second, CHECKED["Dataset"]) == [f"{BASE}/datasets/{ids['closed'].id}"]
    future = client.get("/catalog.ttl", params={"modified_since": "2999-01-01"})
    assert future.status_code == 200 and "dcat:Dataset" not in future.text
    assert "modified_since=2999-01-01" in future.text
    past = client.get("/catalog.rdf", params={"modified_since": "2000-01-01T00:00:00Z"})
    assert past.status_code == 200 and ET.fromstring(past.content) is not None
    assert client.get("/catalog.ttl", params={"modified_since": "yesterday"}).status_code == 400
    assert client.get("/catalog.ttl", params={"page": 0}).status_code == 422


def test_datapackage_and_schema_org(client: TestClient, session: Session) -> None:
    ids = _catalogue(client, session)
    package = client.get(f"/dataset/{ids['loaded']}/datapackage.json").json()
    assert package["title"] == "公交线路" and package["name"].startswith("331002")
    (resource,) = package["resources"]
    assert resource["path"] == f"{BASE}/api/v1/datasets/{ids['loaded']}/export.csv"
    names = [f["name"] for f in resource["schema"]["fields"]]
    assert "线路编号" in names and "驾驶员身份证号" not in names
    assert all(
        f["type"] in ("integer", "number", "string", "date", "datetime", "boolean")
        for f in resource["schema"]["fields"]
    )
    closed = client.get(f"/dataset/{ids['closed'].id}/datapackage.json").json()
    assert closed["resources"] == [] and closed["licenses"][0]["name"] == "cc-by-4.0"
    org = client.get(f"/dataset/{ids['loaded']}/schema.jsonld")
    assert org.headers["content-type"].startswith("application/ld+json")
    body = org.json()
    assert body["@type"] == "Dataset" and body["name"] == "公交线路" and body["description"]
    assert body["distribution"][0]["@type"] == "DataDownload"
    assert "驾驶员身份证号" not in body["variableMeasured"]
    closed_org = client.get(f"/dataset/{ids['closed'].id}/schema.jsonld").json()
    assert (
        "distribution" not in closed_org
        and closed_org["temporalCoverage"] == "2020-01-01/2024-12-31"
    )


def _sample() -> list[Triple]:
    s = IRI("http://example.org/数据集/1 a")
    return [
        (s, ns("rdf:type"), ns("dcat:Dataset")),
        (s, ns("dct:title"), Literal('引号"反斜杠\\换行\n制表\t', lang="zh")),
        (s, ns("dct:issued"), Literal("2024-01-01", datatype=PREFIXES["xsd"] + "date")),
        (s, ns("dcat:contactPoint"), BNode("c1")),
        (BNode("c1"), ns("vcard:fn"), Literal("<&>")),
    ]


def test_serialisers_escape_text_and_iris() -> None:
    ttl = to_turtle(_sample())
    assert "<http://example.org/数据集/1%20a>" in ttl
    assert '"引号\\"反斜杠\\\\换行\\n制表\\t"@zh' in ttl
    assert '"2024-01-01"^^xsd:date' in ttl and "_:c1" in ttl
    assert turtle_term(IRI("http://example.org/x>y")) == "<http://example.org/x%3Ey>"
    doc = json.loads(to_jsonld(_sample()))
    node = doc["@graph"][0]
    assert node["@type"] == ["dcat:Dataset"] and doc["@context"]["dcat"] == PREFIXES["dcat"]
    assert node["dct:title"] == [{"@value": '引号"反斜杠\\换行\n制表\t', "@language": "zh"}]
    assert "数据集" in to_jsonld(_sample())  # Chinese is not \u-escaped
    root = ET.fromstring(to_rdfxml(_sample()).encode())
    values = [e.text for e in root.iter()]
    assert '引号"反斜杠\\换行\n制表\t' in values and "<&>" in values
