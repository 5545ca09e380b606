"""A tiny RDF model (IRIs, blank nodes, literals, triples) and hand-written serialisers.

Turtle, JSON-LD (with an explicit ``@context``) and RDF/XML are produced without rdflib.
Every predicate and class must use one of ``PREFIXES`` so that RDF/XML can name it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "locn": "http://www.w3.org/ns/locn#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "dcatap": "http://data.europa.eu/r5r/",
}
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_TURTLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_XML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class IRI:
    """An absolute IRI."""

    value: str


@dataclass(frozen=True)
class BNode:
    """A blank node, named only within one document."""

    id: str


@dataclass(frozen=True)
class Literal:
    """A literal with an optional language tag or datatype IRI."""

    value: str
    lang: str | None = None
    datatype: str | None = None


Subject = IRI | BNode
Term = IRI | BNode | Literal
Triple = tuple[Subject, IRI, Term]


def ns(prefixed: str) -> IRI:
    """The IRI of a prefixed name such as ``dcat:Dataset``."""
    prefix, local = prefixed.split(":", 1)
    return IRI(PREFIXES[prefix] + local)


def safe_iri(value: str) -> str:
    """Percent-encode the characters an IRI may not contain (spaces, quotes, angle brackets)."""
    return _IRI_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value)


def compact(iri: str) -> str | None:
    """``prefix:local`` for an IRI in a known namespace with a simple local part, else None."""
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and _LOCAL.match(iri[len(base) :]):
            return f"{prefix}:{iri[len(base) :]}"
    return None


def group_by_subject(triples: Iterable[Triple]) -> dict[Subject, list[tuple[IRI, Term]]]:
    """Predicate-object pairs per subject, in first-seen order, without duplicates."""
    out: dict[Subject, list[tuple[IRI, Term]]] = {}
    for s, p, o in triples:
        pairs = out.setdefault(s, [])
        if (p, o) not in pairs:
            pairs.append((p, o))
    return out


# --- Turtle ----------------------------------------------------------------------------------


def turtle_string(value: str) -> str:
    """A double-quoted Turtle string; non-ASCII text (Chinese) stays as UTF-8."""
    return '"' + "".join(_TURTLE_ESCAPES.get(c, c) for c in value) + '"'


def turtle_term(term: Term) -> str:
    """One term in Turtle syntax."""
    if isinstance(term, BNode):
        return f"_:{term.id}"
    if isinstance(term, IRI):
        return compact(term.value) or f"<{safe_iri(term.value)}>"
    text = turtle_string(term.value)
    if term.lang:
        return f"{text}@{term.lang}"
    if term.datatype:
        return f"{text}^^{turtle_term(IRI(term.datatype))}"
    return text


def to_turtle(triples: Iterable[Triple]) -> str:
    """A Turtle document with every known prefix declared."""
    lines = [f"@prefix {p}: <{base}> ." for p, base in PREFIXES.items()]
    for subject, pairs in group_by_subject(triples).items():
        body = " ;\n".join(f"    {turtle_term(p)} {turtle_term(o)}" for p, o in pairs)
        lines.append(f"\n{turtle_term(subject)}\n{body} .")
    return "\n".join(lines) + "\n"


# --- JSON-LD ---------------------------------------------------------------------------------


def jsonld_context() -> dict[str, Any]:
    """The explicit ``@context``: every prefix, nothing fetched from the network."""
    return dict(PREFIXES)


def _jsonld_id(term: IRI | BNode) -> str:
    return f"_:{term.id}" if isinstance(term, BNode) else compact(term.value) or term.value


def jsonld_value(term: Term) -> dict[str, str]:
    """One object in expanded-value form (``@id`` or ``@value`` with language/type)."""
    if not isinstance(term, Literal):
        return {"@id": _jsonld_id(term)}
    out = {"@value": term.value}
    if term.lang:
        out["@language"] = term.lang
    elif term.datatype:
        out["@type"] = _jsonld_id(IRI(term.datatype))
    return out


def jsonld_node(subject: Subject, pairs: list[tuple[IRI, Term]]) -> dict[str, Any]:
    """One node object; ``rdf:type`` becomes ``@type``."""
    node: dict[str, Any] = {"@id": _jsonld_id(subject)}
    rdf_type = ns("rdf:type")
    types = [_jsonld_id(o) for p, o in pairs if p == rdf_type and isinstance(o, IRI)]
    if types:
        node["@type"] = types
    for p, o in pairs:
        if p != rdf_type:
            node.setdefault(_jsonld_id(p), []).append(jsonld_value(o))
    return node


def to_jsonld(triples: Iterable[Triple]) -> str:
    """A JSON-LD document: explicit context plus a flat ``@graph``; Chinese is not escaped."""
    graph = [jsonld_node(s, pairs) for s, pairs in group_by_subject(triples).items()]
    doc = {"@context": jsonld_context(), "@graph": graph}
    return json.dumps(doc, ensure_ascii=False, indent=2)


# --- RDF/XML ---------------------------------------------------------------------------------


def xml_text(value: str) -> str:
    """Escape text for XML content, dropping control characters XML 1.0 cannot carry."""
    return escape(_XML_CONTROL.sub("", value))


def _xml_about(subject: Subject) -> str:
    if isinstance(subject, BNode):
        return f"rdf:nodeID={quoteattr(subject.id)}"
    return f"rdf:about={quoteattr(safe_iri(subject.value))}"


def xml_property(predicate: IRI, term: Term) -> str:
    """One property element (a resource reference or a literal)."""
    name = compact(predicate.value)
    if name is None:
        raise ValueError(f"predicate {predicate.value} has no known prefix")
    if isinstance(term, BNode):
        return f"    <{name} rdf:nodeID={quoteattr(term.id)}/>"
    if isinstance(term, IRI):
        return f"    <{name} rdf:resource={quoteattr(safe_iri(term.value))}/>"
    attr = f" xml:lang={quoteattr(term.lang)}" if term.lang else ""
    if term.datatype and not term.lang:
        attr = f" rdf:datatype={quoteattr(term.datatype)}"
    return f"    <{name}{attr}>{xml_text(term.value)}</{name}>"


def to_rdfxml(triples: Iterable[Triple]) -> str:
    """An RDF/XML document made of one ``rdf:Description`` per subject."""
    xmlns = " ".join(f"xmlns:{p}={quoteattr(base)}" for p, base in PREFIXES.items())
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f"<rdf:RDF {xmlns}>"]
    for subject, pairs in group_by_subject(triples).items():
        lines.append(f"  <rdf:Description {_xml_about(subject)}>")
        lines += [xml_property(p, o) for p, o in pairs]
        lines.append("  </rdf:Description>")
    lines.append("</rdf:RDF>")
    return "\n".join(lines) + "\n"


SERIALISERS: Mapping[str, tuple[str, Any]] = {
    "ttl": ("text/turtle; charset=utf-8", to_turtle),
    "jsonld": ("application/ld+json", to_jsonld),
    "rdf": ("application/rdf+xml", to_rdfxml),
}
