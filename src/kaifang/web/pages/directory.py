"""Public directories: organizations, domains and regions with their datasets, and the sitemap.

These pages show the public catalogue only, so they are built for the anonymous visitor
whoever asks: staff see drafts in the workbench, never here.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import ANONYMOUS, Actor
from kaifang.auth.models import Organization
from kaifang.catalog import queries
from kaifang.errors import NotFound
from kaifang.web.deps import get_runtime, policy
from kaifang.web.pages import lookups
from kaifang.web.pages.presenters import Labels, base_url, page_locale
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
BASELINE_YEAR = 2020


@router.get("/organizations")
def organizations_page(
    request: Request, actor: Actor = policy(None), region: str = Query(default="", max_length=12)
) -> Response:
    """Every organization with its published figures, busiest first."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        figures = lookups.figures_by_organization(session, actor=ANONYMOUS)
        orgs = auth_service.list_organizations(session, region_prefix=region or None)
        if region:
            orgs = [o for o in orgs if o.region_code == region]
        rows = sorted(
            ((o, figures.get(o.id, lookups.Figures())) for o in orgs),
            key=lambda pair: (-pair[1].datasets, pair[0].name),
        )
        context = {
            "rows": [(o, f) for o, f in rows if f.datasets],
            "idle": [o for o, f in rows if not f.datasets],
            "region": region,
            "regions": _county_regions(session),
            "total": sum(f.datasets for _o, f in rows),
            "count": len(rows),
            "labels": Labels(session, page_locale(request)),
        }
        return render(request, "directory/organizations.html", context)


def _county_regions(session: Session) -> list[Any]:
    """The city-level regions and their counties/districts, for the organization filter."""
    return [r for r in auth_service.list_regions(session) if len(r.code) in (4, 6)]


@router.get("/organizations/{slug}")
def organization_page(
    slug: str, request: Request, actor: Actor = policy(None), before: int | None = None
) -> Response:
    """One organization's published datasets, figures and baseline."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        org = _organization(session, slug)
        page = lookups.page_of(
            lookups.iter_datasets(
                session,
                actor=ANONYMOUS,
                status="published",
                organization_id=org.id,
                before_id=before,
            ),
            limit=PAGE_SIZE,
        )
        context = {
            "org": org,
            "page": page,
            "figures": lookups.figures_of(session, actor=ANONYMOUS, organization_id=org.id),
            "baseline": lookups.baseline(session, organization_id=org.id, year=BASELINE_YEAR),
            "baseline_year": BASELINE_YEAR,
            "labels": Labels(session, page_locale(request)),
        }
        return render(request, "directory/organization.html", context)


def _organization(session: Session, slug: str) -> Organization:
    org = auth_service.find_organization(session, slug)
    if org.slug != slug:
        # Only the slug is a page address; ids and names are not aliases of it.
        raise NotFound("机构不存在 (organization not found)")
    return org


@router.get("/domains")
def domains_page(request: Request, actor: Actor = policy(None)) -> Response:
    """Every domain with its number of published datasets."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        context = {
            "domains": _published_domain_counts(session),
            "labels": Labels(session, page_locale(request)),
        }
        return render(request, "directory/domains.html", context)


def _published_domain_counts(session: Session) -> list[tuple[Any, int]]:
    return queries.domain_counts(session, actor=ANONYMOUS)


@router.get("/domains/{code}")
def domain_page(
    code: str, request: Request, actor: Actor = policy(None), before: int | None = None
) -> Response:
    """The published datasets of one domain, newest first."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        labels = Labels(session, page_locale(request))
        term = labels.vocab.by_kind.get("domain", {}).get(code.lower())
        if term is None or term.code != code:
            raise NotFound("开放领域不存在 (domain not found)")
        page = lookups.page_of(
            lookups.iter_datasets(session, actor=ANONYMOUS, status="published", before_id=before),
            limit=PAGE_SIZE,
            keep=lambda d: code in (d.domains or []),
        )
        context = {
            "term": term,
            "page": page,
            "labels": labels,
            "domains": [(t, n) for t, n in _published_domain_counts(session) if n],
        }
        return render(request, "directory/domain.html", context)


@router.get("/regions/{code}")
def region_page(
    code: str, request: Request, actor: Actor = policy(None), before: int | None = None
) -> Response:
    """The published datasets of a region and its subdivisions."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        region = auth_service.get_region(session, code)
        page = lookups.page_of(
            lookups.iter_datasets(
                session, actor=ANONYMOUS, status="published", region_prefix=code, before_id=before
            ),
            limit=PAGE_SIZE,
        )
        parent = (
            auth_service.get_region(session, region.parent_code) if region.parent_code else None
        )
        context = {
            "region": region,
            "parent": parent,
            "children": auth_service.list_regions(session, parent_code=code),
            "page": page,
            "labels": Labels(session, page_locale(request)),
        }
        return render(request, "directory/region.html", context)


@router.get("/sitemap.xml")
def sitemap(request: Request, actor: Actor = policy(None)) -> Response:
    """Published datasets, organizations with data, domains with data and the fixed pages."""
    origin = base_url(request)
    with get_runtime(request).db.unit_of_work(write=False) as session:
        entries: list[tuple[str, str | None]] = [
            (f"{origin}{path}", None) for path in ("/", "/organizations", "/domains", "/developer")
        ]
        org_ids: set[int] = set()
        for dataset in lookups.iter_datasets(session, actor=ANONYMOUS, status="published"):
            changed = dataset.last_updated_at or dataset.modified_at
            entries.append((f"{origin}/datasets/{dataset.id}", changed.date().isoformat()))
            org_ids.add(dataset.organization_id)
        entries += [
            (f"{origin}/organizations/{o.slug}", None)
            for o in auth_service.list_organizations(session)
            if o.id in org_ids
        ]
        entries += [
            (f"{origin}/domains/{t.code}", None) for t, n in _published_domain_counts(session) if n
        ]
    return Response(_urlset(entries), media_type="application/xml")


def _urlset(entries: list[tuple[str, str | None]]) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for loc, lastmod in entries:
        modified = f"<lastmod>{html.escape(lastmod)}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{html.escape(loc, quote=True)}</loc>{modified}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
