"""Harvesting a DCAT catalogue (Turtle, JSON-LD or RDF/XML), following hydra ``next`` pages.

Parsing uses rdflib. Documents are checked first so that parsing never reaches the network
or the file system: JSON-LD may only carry inline contexts, RDF/XML no DTD or entities.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import unquote, urljoin

from defusedxml import ElementTree as SafeXML
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS
from rdflib.term import Node

from kaifang.catalog.quality import STANDARD_LICENCES
from kaifang.interop.dcat import ACCESS_RIGHTS, FREQUENCIES
from kaifang.interop.harvest.fetching import Document, Fetch, HarvestSourceError
from kaifang.interop.harvest.records import (
    HarvestedDataset,
    HarvestedResource,
    Mapped,
    MappingError,
    mapped_or_failed,
)

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
MAX_PAGES = 10_000
FREQUENCY_CODES = {v: k for k, v in FREQUENCIES.items()}
ACCESS_CODES = {v: k for k, v in ACCESS_RIGHTS.items()}
LICENCE_CODES = {v: k for k, v in STANDARD_LICENCES.items()}
Progress = Callable[[int, int], None]


def rdf_format(document: Document) -> str:
    """The rdflib parser name for a page, from its content type or else its URL."""
    ctype = document.content_type.split(";")[0].strip().lower()
    path = document.url.split("?")[0].lower()
    if "json" in ctype or path.endswith((".jsonld", ".json")):
        return "json-ld"
    if "xml" in ctype or path.endswith((".rdf", ".xml")):
        return "xml"
    return "turtle"


def _remote_contexts(value: Any) -> bool:
    """Whether a JSON-LD document refers to a context by URL (which rdflib would fetch)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("@context", "@import") and _names_url(inner):
                return True
            if _remote_contexts(inner):
                return True
    elif isinstance(value, list):
        return any(_remote_contexts(v) for v in value)
    return False


def _names_url(context: Any) -> bool:
    if isinstance(context, str):
        return True
    return isinstance(context, list) and any(isinstance(c, str) for c in context)


def _checked(body: bytes, fmt: str) -> None:
    if fmt == "json-ld":
        if _remote_contexts(json.loads(body)):
            raise HarvestSourceError(
                "JSON-LD 引用了远程 @context，已拒绝 (remote JSON-LD contexts are refused)"
            )
    elif fmt == "xml":
        SafeXML.fromstring(body, forbid_dtd=True)


def parse_document(document: Document) -> Graph:
    """The page as a graph; HarvestSourceError naming the format when it does not parse."""
    fmt = rdf_format(document)
    try:
        _checked(document.body, fmt)
        return Graph().parse(data=document.body, format=fmt, publicID=document.url)
    except HarvestSourceError:
        raise
    except Exception:
        # rdflib raises many unrelated types for bad input; the reason shown is the format.
        raise HarvestSourceError(
            f"来源内容无法按 {fmt} 解析 (the source is not valid {fmt})"
        ) from None


def next_page(graph: Graph, current: str) -> str | None:
    """The hydra ``next`` link of the page, absolute, if any."""
    for target in graph.objects(None, HYDRA.next):
        return urljoin(current, str(target))
    return None


def total_items(graph: Graph) -> int:
    for value in graph.objects(None, HYDRA.totalItems):
        try:
            return int(str(value))
        except ValueError:
            return 0
    return 0


def collect(fetch: Fetch, url: str, progress: Progress) -> list[Mapped]:
    """Every dataset of the catalogue over all its pages (a page seen twice ends the walk)."""
    out: list[Mapped] = []
    seen: set[str] = set()
    current: str | None = url
    while current is not None and current not in seen:
        if len(seen) >= MAX_PAGES:
            raise HarvestSourceError(f"来源超过 {MAX_PAGES} 页 (more than {MAX_PAGES} pages)")
        seen.add(current)
        graph = parse_document(fetch(current))
        out += _mapped_page(graph)
        progress(len(out), total_items(graph))
        current = next_page(graph, current)
    return out


def _mapped_page(graph: Graph) -> list[Mapped]:
    return [mapped_or_failed(str(n), partial(map_dataset, graph, n)) for n in datasets_of(graph)]


def datasets_of(graph: Graph) -> Iterator[Node]:
    yield from sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)


def _text(graph: Graph, node: Node, predicate: URIRef, limit: int) -> str:
    """The Chinese value of a literal property if there is one, else any value."""
    values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
    values.sort(key=lambda v: (v.language not in ("zh", "zh-cn", "zh-CN"), str(v)))
    return str(values[0]).strip()[:limit] if values else ""


def _last_segment(node: Node) -> str:
    return unquote(str(node).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1])


def _one(graph: Graph, node: Node, predicate: URIRef) -> Node | None:
    return next(iter(graph.objects(node, predicate)), None)


def _themes(graph: Graph, node: Node) -> tuple[tuple[str, ...], ...]:
    out = []
    for theme in sorted(graph.objects(node, DCAT.theme), key=str):
        labels = [str(v) for v in graph.objects(theme, SKOS.prefLabel)]
        out.append(tuple(dict.fromkeys([*sorted(labels), _last_segment(theme)])))
    return tuple(out)


def _coded(graph: Graph, node: Node, predicate: URIRef, codes: dict[str, str]) -> str:
    value = _one(graph, node, predicate)
    return codes.get(_last_segment(value), "") if value is not None else ""


def _period(graph: Graph, node: Node) -> tuple[str, str]:
    period = _one(graph, node, DCTERMS.temporal)
    if period is None:
        return "", ""
    start = _text(graph, period, DCAT.startDate, 10)
    return start, _text(graph, period, DCAT.endDate, 10)


def _contact(graph: Graph, node: Node) -> tuple[str, str]:
    contact = _one(graph, node, DCAT.contactPoint)
    if contact is None:
        return "", ""
    email = _one(graph, contact, VCARD.hasEmail)
    address = str(email).removeprefix("mailto:")[:200] if email is not None else ""
    return _text(graph, contact, VCARD.fn, 100), address


def _distribution(graph: Graph, node: Node) -> HarvestedResource | None:
    url = _one(graph, node, DCAT.downloadURL) or _one(graph, node, DCAT.accessURL)
    if url is None or not str(url).lower().startswith(("http://", "https://")):
        return None
    fmt = _one(graph, node, DCTERMS.format)
    return HarvestedResource(
        name=_text(graph, node, DCTERMS.title, 200) or _last_segment(url)[:200] or "resource",
        url=str(url)[:2000],
        format=(_last_segment(fmt) if fmt is not None else "").upper()[:20],
        description=_text(graph, node, DCTERMS.description, 2000),
    )


def _resources(graph: Graph, node: Node) -> tuple[HarvestedResource, ...]:
    found = (_distribution(graph, d) for d in graph.objects(node, DCAT.distribution))
    return tuple(sorted((r for r in found if r), key=lambda r: (r.url, r.name)))


def _licence(graph: Graph, node: Node) -> str:
    for holder in (node, *graph.objects(node, DCAT.distribution)):
        licence = _one(graph, holder, DCTERMS.license)
        if licence is not None:
            return LICENCE_CODES.get(str(licence), _last_segment(licence))[:60]
    return ""


def map_dataset(graph: Graph, node: Node) -> HarvestedDataset:
    """One ``dcat:Dataset`` as a harvested dataset (the title falls back to the identifier)."""
    identifier = _text(graph, node, DCTERMS.identifier, 500)
    guid = str(node)[:500] if isinstance(node, URIRef) else identifier
    if not guid:
        raise MappingError("数据集既无 URI 也无 dct:identifier (no URI and no identifier)")
    title = _text(graph, node, DCTERMS.title, 200) or identifier
    if len(title) < 2:
        raise MappingError("数据集缺少标题 (the dataset has no usable title)")
    start, end = _period(graph, node)
    contact_name, contact_email = _contact(graph, node)
    spatial = _one(graph, node, DCTERMS.spatial)
    landing = _one(graph, node, DCAT.landingPage)
    return HarvestedDataset(
        guid=guid,
        stable_key=identifier or guid,
        title=title,
        summary=_text(graph, node, DCTERMS.description, 5000),
        keywords=tuple(sorted({str(k)[:50] for k in graph.objects(node, DCAT.keyword)})),
        themes=_themes(graph, node),
        update_frequency=_coded(graph, node, DCTERMS.accrualPeriodicity, FREQUENCY_CODES),
        open_attribute=_coded(graph, node, DCTERMS.accessRights, ACCESS_CODES),
        licence=_licence(graph, node),
        temporal_start=start,
        temporal_end=end,
        spatial_coverage=_text(graph, spatial, LOCN.geographicName, 200) if spatial else "",
        contact_name=contact_name,
        contact_email=contact_email,
        source_url=str(landing or (guid if guid.startswith("http") else ""))[:2000],
        resources=_resources(graph, node),
        publisher=_publisher(graph, node),
    )


def _publisher(graph: Graph, node: Node) -> tuple[str, ...]:
    """The ``dct:publisher`` agent's ``foaf:name``, to match against our organizations."""
    agent = _one(graph, node, DCTERMS.publisher)
    name = _text(graph, agent, FOAF.name, 200) if agent is not None else ""
    return (name,) if name else ()
