"""Full SHACL validation (pyshacl) of our DCAT-AP 3.0.1 output against the official shapes.

The mandatory shapes (``shapes.ttl``) and the class-range shapes (``range.ttl``) are copied
into ``data/dcat-ap-3.0.1`` with their source note; validation runs offline.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyshacl import validate
from rdflib import RDF, Graph, Namespace, URIRef
from sqlalchemy.orm import Session

from kaifang.interop import dcat
from tests.interop.test_dcat import BASE, _catalogue

SHAPES_DIR = Path(__file__).parent / "data" / "dcat-ap-3.0.1"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")


@cache
def _shapes() -> Graph:
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(SHAPES_DIR / name, format="turtle")
    return shapes


def _report(data: Graph) -> tuple[bool, str]:
    conforms, _graph, text = validate(
        data, shacl_graph=_shapes(), inference="none", advanced=True, allow_warnings=True
    )
    return bool(conforms), str(text)


def _parsed(text: str, fmt: str) -> Graph:
    graph = Graph()
    graph.parse(data=text, format=fmt, publicID=BASE)
    return graph


@pytest.mark.parametrize(
    ("suffix", "fmt"), [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")]
)
def test_catalogue_page_conforms(
    client: TestClient, session: Session, suffix: str, fmt: str
) -> None:
    ids = _catalogue(client, session)
    graph = _parsed(client.get(f"/catalog.{suffix}").text, fmt)
    conforms, text = _report(graph)
    assert conforms, text
    loaded = URIRef(f"{BASE}/datasets/{ids['loaded']}")
    assert (URIRef(f"{BASE}/catalog"), DCAT.dataset, loaded) in graph
    assert len(list(graph.subjects(RDF.type, DCAT.Distribution))) == len(dcat.EXPORT_FORMATS)


def test_dataset_record_has_every_download_format_and_the_data_service(
    client: TestClient, session: Session
) -> None:
    ids = _catalogue(client, session)
    graph = _parsed(client.get(f"/dataset/{ids['loaded']}.ttl").text, "turtle")
    conforms, text = _report(graph)
    assert conforms, text
    node = URIRef(f"{BASE}/datasets/{ids['loaded']}")
    formats = {
        str(graph.value(d, DCT["format"])).rsplit("/", 1)[-1]
        for d in graph.objects(node, DCAT.distribution)
    }
    assert formats == {f.file_type for f in dcat.EXPORT_FORMATS}
    (service,) = graph.subjects(RDF.type, DCAT.DataService)
    assert (service, DCAT.servesDataset, node) in graph
    assert all(
        (d, DCAT.accessService, service) in graph for d in graph.objects(node, DCAT.distribution)
    )
    closed = _parsed(client.get(f"/dataset/{ids['closed'].id}.ttl").text, "turtle")
    assert _report(closed)[0]


def test_the_shapes_reject_a_record_without_its_mandatory_properties(
    client: TestClient, session: Session
) -> None:
    ids = _catalogue(client, session)
    graph = _parsed(client.get(f"/dataset/{ids['loaded']}.ttl").text, "turtle")
    node = URIRef(f"{BASE}/datasets/{ids['loaded']}")
    graph.remove((node, DCT.description, None))
    for distribution in list(graph.subjects(RDF.type, DCAT.Distribution)):
        graph.remove((distribution, DCAT.accessURL, None))
    conforms, text = _report(graph)
    assert not conforms
    assert "description" in text and "accessURL" in text
