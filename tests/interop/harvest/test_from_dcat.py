"""DCAT pages (Turtle, JSON-LD, RDF/XML) → harvested records, with hydra paging and safe parsing."""

from __future__ import annotations

import json

import pytest

from kaifang.interop.harvest.fetching import Document, HarvestSourceError
from kaifang.interop.harvest.from_dcat import collect, parse_document
from kaifang.interop.harvest.records import FailedRecord, HarvestedDataset

PAGE = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .

<https://src.example.org/datasets/1> a dcat:Dataset ;
    dct:identifier "331002-G01001-00001" ;
    dct:title "公交线路"@zh, "Bus lines"@en ;
    dct:description "全市公交线路。"@zh ;
    dcat:keyword "公交"@zh ;
    dcat:theme <https://src.example.org/vocabularies/domain/transport> ;
    dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/MONTHLY> ;
    dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
    dcat:contactPoint [ vcard:fn "交通局"@zh ; vcard:hasEmail <mailto:open@example.org> ] ;
    dcat:distribution <https://src.example.org/datasets/1/distributions/csv> .
<https://src.example.org/vocabularies/domain/transport> skos:prefLabel "交通出行"@zh .
<https://src.example.org/datasets/1/distributions/csv> a dcat:Distribution ;
    dct:title "CSV" ;
    dcat:downloadURL <https://src.example.org/api/v1/datasets/1/export.csv> ;
    dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
    dct:license <http://creativecommons.org/licenses/by/4.0/> .
<https://src.example.org/datasets/2> a dcat:Dataset ; dct:identifier "x" .
<https://src.example.org/catalog.ttl?page=1> a hydra:PartialCollectionView ;
    hydra:totalItems 3 ; hydra:next <https://src.example.org/catalog.ttl?page=2> .
"""
PAGE_2 = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://src.example.org/datasets/3> a dcat:Dataset ; dct:title "空气质量"@zh .
"""


def _fetch(pages: dict[str, str]):  # type: ignore[no-untyped-def]
    def fetch(url: str) -> Document:
        return Document(url, pages[url].encode(), "text/turtle")

    return fetch


def test_pages_are_followed_and_datasets_mapped() -> None:
    fetch = _fetch(
        {
            "https://src.example.org/catalog.ttl": PAGE,
            "https://src.example.org/catalog.ttl?page=2": PAGE_2,
        }
    )
    records = collect(fetch, "https://src.example.org/catalog.ttl", lambda *_: None)
    bus, untitled, air = records
    assert isinstance(bus, HarvestedDataset) and isinstance(air, HarvestedDataset)
    assert (bus.guid, bus.stable_key, bus.title) == (
        "https://src.example.org/datasets/1",
        "331002-G01001-00001",
        "公交线路",
    )
    assert bus.themes == (("交通出行", "transport"),)
    assert (bus.update_frequency, bus.open_attribute, bus.licence) == (
        "monthly",
        "unconditional",
        "cc-by-4.0",
    )
    assert (bus.contact_name, bus.contact_email) == ("交通局", "open@example.org")
    assert [(r.url, r.format) for r in bus.resources] == [
        ("https://src.example.org/api/v1/datasets/1/export.csv", "CSV")
    ]
    assert isinstance(untitled, FailedRecord) and "no usable title" in untitled.reason
    assert air.stable_key == air.guid == "https://src.example.org/datasets/3"


def test_a_page_linking_back_ends_the_walk() -> None:
    looping = PAGE.replace("?page=2", "")
    fetch = _fetch({"https://src.example.org/catalog.ttl": looping})
    assert len(collect(fetch, "https://src.example.org/catalog.ttl", lambda *_: None)) == 2


def test_json_ld_and_rdf_xml_parse() -> None:
    data = {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"},
        "@id": "https://s.example.org/d/1",
        "@type": "dcat:Dataset",
        "dct:title": "公交",
    }
    graph = parse_document(Document("https://s/catalog.jsonld", json.dumps(data).encode(), ""))
    assert len(graph) == 2
    xml = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:dct="http://purl.org/dc/terms/"><rdf:Description rdf:about="https://s/d/1">'
        b"<dct:title>t</dct:title></rdf:Description></rdf:RDF>"
    )
    assert len(parse_document(Document("https://s/catalog.rdf", xml, "application/rdf+xml"))) == 1


@pytest.mark.parametrize(
    "url,body,reason",
    [
        ("https://s/c.jsonld", b'{"@context": "https://evil.example/ctx", "@id": "x"}', "remote"),
        (
            "https://s/c.rdf",
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
            "xml",
        ),
        ("https://s/c.ttl", b"this is not turtle <", "turtle"),
    ],
)
def test_unsafe_or_broken_documents_are_refused(url: str, body: bytes, reason: str) -> None:
    with pytest.raises(HarvestSourceError, match=reason):
        parse_document(Document(url, body, ""))
