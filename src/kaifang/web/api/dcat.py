"""DCAT-AP 3.0.1 catalogue exports (Turtle, JSON-LD, RDF/XML), Data Packages and schema.org.

Paths follow ckanext-dcat: ``/catalog.{ttl,jsonld,rdf}`` (paged, hydra paging info) and
``/dataset/{id}.{ttl,jsonld,rdf}``; ``{id}`` is the numeric id or the catalogue code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from kaifang.catalog.models import Dataset
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.errors import BadRequest, NotFound
from kaifang.interop import dcat
from kaifang.interop.datapackage import datapackage, schema_org
from kaifang.interop.rdf import SERIALISERS, Triple
from kaifang.web.api.ckan_actions import site_url
from kaifang.web.deps import get_runtime, policy

router = APIRouter(tags=["dcat"])


def _serialiser(fmt: str) -> tuple[str, Any]:
    if fmt not in SERIALISERS:
        raise NotFound(f"unknown RDF format {fmt!r}; use ttl, jsonld or rdf")
    return SERIALISERS[fmt]


def _render(fmt: str, triples: list[Triple]) -> Response:
    media_type, serialise = _serialiser(fmt)
    return Response(serialise(triples), media_type=media_type)


def parse_modified_since(value: str | None) -> dt.datetime | None:
    """An ISO-8601 date or date-time (naive means UTC); BadRequest when malformed."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            "modified_since 须为 ISO 8601 日期或时间 (invalid modified_since)",
            details={"field": "modified_since"},
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _published(session: Session, request: Request, ref: str) -> Dataset:
    dataset = dcat.find_published(session, actor=request.state.actor, ref=ref)
    if dataset is None:
        raise NotFound(f"dataset {ref} not found")
    return dataset


@router.get("/catalog.{fmt}", dependencies=[policy(None)])
def catalog(
    fmt: str,
    request: Request,
    page: int = Query(1, ge=1),
    modified_since: str | None = None,
) -> Response:
    """One page of the DCAT-AP catalogue of published datasets, with hydra paging."""
    _serialiser(fmt)
    since = parse_modified_since(modified_since)
    links = dcat.DcatLinks(site_url(request))
    with get_runtime(request).db.unit_of_work(write=False) as session:
        total, datasets = dcat.catalog_page(
            session,
            actor=request.state.actor,
            page=page,
            modified_since=since,
            size=dcat.PAGE_SIZE,
        )
        params = (("modified_since", modified_since),) if modified_since else ()
        paging = dcat.Page(page, dcat.PAGE_SIZE, total, f"{links.base}/catalog.{fmt}", params)
        triples = dcat.catalog_triples(datasets, VocabularyIndex(session), links, paging)
    return _render(fmt, triples)


@router.get("/dataset/{ref}.{fmt}", dependencies=[policy(None)])
def dataset_rdf(ref: str, fmt: str, request: Request) -> Response:
    """One published dataset as DCAT-AP with the data service serving it."""
    _serialiser(fmt)
    links = dcat.DcatLinks(site_url(request))
    with get_runtime(request).db.unit_of_work(write=False) as session:
        found = _published(session, request, ref)
        triples = dcat.single_dataset_triples(found, VocabularyIndex(session), links)
    return _render(fmt, triples)


@router.get("/dataset/{ref}/datapackage.json", dependencies=[policy(None)])
def dataset_datapackage(ref: str, request: Request) -> JSONResponse:
    """A Frictionless Data Package whose resource is the CSV export."""
    links = dcat.DcatLinks(site_url(request))
    with get_runtime(request).db.unit_of_work(write=False) as session:
        body = datapackage(_published(session, request, ref), VocabularyIndex(session), links)
    return JSONResponse(body)


@router.get("/dataset/{ref}/schema.jsonld", dependencies=[policy(None)])
def dataset_schema_org(ref: str, request: Request) -> JSONResponse:
    """A schema.org Dataset (for Google Dataset Search)."""
    links = dcat.DcatLinks(site_url(request))
    with get_runtime(request).db.unit_of_work(write=False) as session:
        body = schema_org(_published(session, request, ref), VocabularyIndex(session), links)
    return JSONResponse(body, media_type="application/ld+json")
