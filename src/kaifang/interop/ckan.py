"""CKAN shapes of our catalogue: package, resource, organization and group dicts, and searches.

Everything here is read-only and applies the one visibility rule (``visible_clause``).
Datasets are CKAN packages named by their catalogue code; domains are CKAN groups.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, selectinload

from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization
from kaifang.catalog.models import Dataset, Resource, VocabularyTerm
from kaifang.catalog.visibility import visible_clause
from kaifang.catalog.vocabularies import VocabularyIndex, terms
from kaifang.interop.ckan_query import (
    QueryContext,
    ckan_name,
    code_match,
    compile_node,
    parse_query,
    parse_sort,
)

CKAN_VERSION = "2.10.0"
ROWS_MAX = 1000
EXTRA_FIELDS = (
    "catalog_code",
    "open_attribute",
    "grade",
    "update_frequency",
    "domains",
    "region_code",
    "base_class",
    "spatial_coverage",
    "temporal_start",
    "temporal_end",
)
_STATES = {"published": "active", "withdrawn": "deleted"}
_MIMETYPES = {"CSV": "text/csv", "JSON": "application/json", "XLSX": None, "XML": "text/xml"}


def ckan_time(value: dt.datetime | None) -> str | None:
    """CKAN's timestamp style: naive UTC ISO-8601 with microseconds."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def package_state(dataset: Dataset) -> str:
    return _STATES.get(dataset.status, "draft")


def organization_dict(org: Organization, package_count: int | None = None) -> dict[str, Any]:
    """An organization as CKAN shows it (``name`` is our slug)."""
    out: dict[str, Any] = {
        "id": str(org.id),
        "name": org.slug,
        "title": org.name,
        "display_name": org.name,
        "type": "organization",
        "description": org.description,
        "image_url": "",
        "image_display_url": "",
        "created": None,
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "region_code": org.region_code,
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def group_dict(term: VocabularyTerm, package_count: int | None = None) -> dict[str, Any]:
    """A domain (开放领域) as a CKAN group."""
    out: dict[str, Any] = {
        "id": term.code,
        "name": term.code,
        "title": term.label_zh,
        "display_name": term.label_zh,
        "description": term.label_en,
        "image_display_url": "",
        "type": "group",
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


@dataclass(frozen=True)
class Links:
    """Absolute URLs the dicts point at; ``base`` has no trailing slash."""

    base: str

    def dataset_page(self, dataset_id: int) -> str:
        return f"{self.base}/datasets/{dataset_id}"

    def resource_url(self, dataset: Dataset, resource: Resource) -> str:
        if resource.kind != "file" or resource.current_version_id is None:
            return resource.url
        first = next(
            (r for r in dataset.resources if r.kind == "file" and r.current_version_id), None
        )
        if first is not None and first.id == resource.id:
            return f"{self.base}/api/v1/datasets/{dataset.id}/export.csv"
        return f"{self.base}/api/v1/datasets/{dataset.id}/resources/{resource.id}/rows"


def resource_dict(
    dataset: Dataset, resource: Resource, links: Links, position: int = 0
) -> dict[str, Any]:
    """A resource as CKAN shows it; ``datastore_active`` when datastore_search can serve it."""
    version = next((v for v in resource.versions if v.id == resource.current_version_id), None)
    served = version is not None and resource.kind == "file"
    fmt = "CSV" if served and resource.format in ("", "CSV") else resource.format or ""
    return {
        "id": str(resource.id),
        "package_id": str(dataset.id),
        "name": resource.name,
        "description": resource.description,
        "url": links.resource_url(dataset, resource),
        "format": fmt,
        "mimetype": _MIMETYPES.get(fmt.upper()),
        "size": version.size_bytes if version else None,
        "hash": version.sha256 if version else "",
        "created": ckan_time(resource.created_at),
        "last_modified": ckan_time(version.created_at if version else resource.modified_at),
        "metadata_modified": ckan_time(resource.modified_at),
        "datastore_active": served and dataset.open_attribute != "closed",
        "resource_type": "api" if resource.kind == "api" else None,
        "url_type": None,
        "position": position,
        "state": "active",
        "row_count": version.row_count if version else None,
    }


def _extra_value(value: Any) -> str:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _catalogue_fields(dataset: Dataset) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in EXTRA_FIELDS:
        value = getattr(dataset, name)
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def package_dict(dataset: Dataset, vocab: VocabularyIndex, links: Links) -> dict[str, Any]:
    """A dataset as a CKAN package; our catalogue fields appear top-level and in ``extras``."""
    ours = _catalogue_fields(dataset)
    tags = [
        {"id": k, "name": k, "display_name": k, "state": "active", "vocabulary_id": None}
        for k in dataset.keywords or []
    ]
    groups = [_group_ref(vocab, code) for code in dataset.domains or []]
    resources = [resource_dict(dataset, r, links, i) for i, r in enumerate(dataset.resources)]
    return {
        "id": str(dataset.id),
        "name": ckan_name(dataset.catalog_code),
        "title": dataset.title,
        "type": "dataset",
        "state": package_state(dataset),
        "private": dataset.status != "published",
        "owner_org": str(dataset.organization_id),
        "organization": organization_dict(dataset.organization),
        "metadata_created": ckan_time(dataset.created_at),
        "metadata_modified": ckan_time(dataset.modified_at),
        "notes": dataset.summary,
        "url": links.dataset_page(dataset.id),
        "version": None,
        "author": dataset.organization.name,
        "author_email": None,
        "maintainer": dataset.contact_name or None,
        "maintainer_email": dataset.contact_email or None,
        "license_id": dataset.licence,
        "license_title": vocab.label("licence", dataset.licence) if dataset.licence else None,
        "isopen": dataset.open_attribute == "unconditional",
        "num_resources": len(resources),
        "num_tags": len(tags),
        "tags": tags,
        "groups": groups,
        "extras": [{"key": k, "value": _extra_value(v)} for k, v in ours.items()],
        "resources": resources,
        "relationships_as_subject": [],
        "relationships_as_object": [],
        **ours,
    }


def _group_ref(vocab: VocabularyIndex, code: str) -> dict[str, Any]:
    label = vocab.label("domain", code)
    return {
        "id": code,
        "name": code,
        "title": label,
        "display_name": label,
        "description": "",
        "image_display_url": "",
    }


# --- reads -----------------------------------------------------------------------------------


def public_clause(
    actor: Actor, *, include_private: bool, include_deleted: bool
) -> ColumnElement[bool]:
    """Visible datasets; unpublished ones only on request, withdrawn ones only when asked too."""
    clause = visible_clause(actor)
    if not include_private:
        return and_(clause, Dataset.status == "published")
    if not include_deleted:
        return and_(clause, Dataset.status != "withdrawn")
    return clause


def _with_children(stmt: Any) -> Any:
    return stmt.options(selectinload(Dataset.resources).selectinload(Resource.versions))


def query_context(session: Session) -> QueryContext:
    """Domain codes by lower-cased code and label, for ``groups:`` filters."""
    codes: dict[str, str] = {}
    for term in terms(session, "domain", active_only=False):
        for key in (term.code, term.label_zh, term.label_en):
            if key:
                codes[key.lower()] = term.code
    return QueryContext(domain_codes=codes)


@dataclass(frozen=True)
class PackageSearch:
    """A parsed ``package_search`` call."""

    q: str = ""
    fq: tuple[str, ...] = ()
    sort: str = ""
    rows: int = 10
    start: int = 0
    facet_fields: tuple[str, ...] = ()
    facet_limit: int = 50
    include_private: bool = False
    include_deleted: bool = False


@dataclass
class SearchPage:
    count: int
    datasets: list[Dataset]
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)


def search_condition(session: Session, actor: Actor, search: PackageSearch) -> ColumnElement[bool]:
    """The WHERE clause of a search: visibility AND q AND every fq."""
    ctx = query_context(session)
    parts = [
        public_clause(
            actor, include_private=search.include_private, include_deleted=search.include_deleted
        ),
        compile_node(parse_query(search.q), ctx),
    ]
    parts += [compile_node(parse_query(fq), ctx) for fq in search.fq]
    return and_(*parts)


def search_packages(session: Session, *, actor: Actor, search: PackageSearch) -> SearchPage:
    """One page of matching datasets with the total and requested facets; SearchQueryError on bad input."""
    condition = search_condition(session, actor, search)
    order = parse_sort(search.sort)
    total = session.scalar(select(func.count(Dataset.id)).where(condition)) or 0
    stmt = select(Dataset).where(condition).order_by(*order).offset(search.start)
    rows = min(max(search.rows, 0), ROWS_MAX)
    datasets = list(session.scalars(_with_children(stmt.limit(rows))).unique()) if rows else []
    facets = {
        name: facet_counts(session, condition, name, search.facet_limit)
        for name in search.facet_fields
    }
    return SearchPage(int(total), datasets, facets)


FACET_SCALARS = {
    "license_id": Dataset.licence,
    "open_attribute": Dataset.open_attribute,
    "grade": Dataset.grade,
    "update_frequency": Dataset.update_frequency,
    "region_code": Dataset.region_code,
    "base_class": Dataset.base_class,
}
FACET_LISTS = {"groups": Dataset.domains, "tags": Dataset.keywords, "res_format": Dataset.formats}
FACET_FIELDS = frozenset({"organization", *FACET_SCALARS, *FACET_LISTS})


def facet_counts(
    session: Session, condition: ColumnElement[bool], name: str, limit: int
) -> list[tuple[str, str, int]]:
    """(value, display name, count) for one facet, most frequent first."""
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    if name == "organization":
        stmt = (
            select(Organization.slug, Organization.name, func.count(Dataset.id))
            .join(Organization, Organization.id == Dataset.organization_id)
            .where(condition)
            .group_by(Organization.slug, Organization.name)
        )
        for slug, title, n in session.execute(stmt):
            counts[slug], names[slug] = int(n), title
    elif name in FACET_SCALARS:
        column = FACET_SCALARS[name]
        for value, n in session.execute(
            select(column, func.count()).where(condition).group_by(column)
        ):
            if value:
                counts[str(value)] = int(n)
    elif name in FACET_LISTS:
        for (values,) in session.execute(select(FACET_LISTS[name]).where(condition)):
            counts.update(set(values or []))
    if name == "groups":
        names = {t.code: t.label_zh for t in terms(session, "domain", active_only=False)}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if limit >= 0:
        ranked = ranked[:limit]
    return [(value, names.get(value, value), n) for value, n in ranked]


def find_package(session: Session, *, actor: Actor, ref: str) -> Dataset | None:
    """A visible dataset by catalogue code (CKAN ``name``) or numeric id; None when unknown."""
    match = code_match(ref)
    if ref.isdigit():
        match = (Dataset.id == int(ref)) | match
    stmt = select(Dataset).where(match, visible_clause(actor))
    return session.scalars(_with_children(stmt)).unique().first()


def list_package_names(session: Session, *, actor: Actor, limit: int, offset: int) -> list[str]:
    """Names of public datasets in code order (CKAN ``package_list``)."""
    stmt = (
        select(Dataset.catalog_code)
        .where(public_clause(actor, include_private=False, include_deleted=False))
        .order_by(Dataset.catalog_code)
        .offset(offset)
        .limit(limit)
    )
    return [ckan_name(code) for code in session.scalars(stmt)]


def recent_packages(session: Session, *, actor: Actor, limit: int, offset: int) -> list[Dataset]:
    """Public datasets, most recently modified first."""
    stmt = (
        select(Dataset)
        .where(public_clause(actor, include_private=False, include_deleted=False))
        .order_by(Dataset.modified_at.desc(), Dataset.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(_with_children(stmt)).unique())


def activity_dict(dataset: Dataset, package: dict[str, Any]) -> dict[str, Any]:
    """A CKAN activity for the latest change of a public dataset."""
    created = dataset.first_published_at == dataset.modified_at
    return {
        "id": f"{dataset.id}-{int(dataset.modified_at.timestamp())}",
        "timestamp": ckan_time(dataset.modified_at),
        "user_id": None,
        "object_id": str(dataset.id),
        "activity_type": "new package" if created else "changed package",
        "data": {"package": package},
    }


def package_counts_by_organization(session: Session, actor: Actor) -> dict[int, int]:
    stmt = (
        select(Dataset.organization_id, func.count(Dataset.id))
        .where(public_clause(actor, include_private=False, include_deleted=False))
        .group_by(Dataset.organization_id)
    )
    return {int(org): int(n) for org, n in session.execute(stmt)}


def package_counts_by_domain(session: Session, actor: Actor) -> Counter[str]:
    counts: Counter[str] = Counter()
    stmt = select(Dataset.domains).where(
        public_clause(actor, include_private=False, include_deleted=False)
    )
    for (domains,) in session.execute(stmt):
        counts.update(set(domains or []))
    return counts


def tag_names(session: Session, *, actor: Actor, query: str = "") -> list[str]:
    """Distinct keywords of public datasets, optionally containing ``query``."""
    names: set[str] = set()
    stmt = select(Dataset.keywords).where(
        public_clause(actor, include_private=False, include_deleted=False)
    )
    for (keywords,) in session.execute(stmt):
        names.update(keywords or [])
    return sorted(n for n in names if query.lower() in n.lower())


def license_dicts(session: Session) -> list[dict[str, Any]]:
    """The licence vocabulary in CKAN ``license_list`` shape."""
    return [
        {
            "id": t.code,
            "title": t.label_zh,
            "title_en": t.label_en,
            "url": str(t.extra.get("url", "")) if t.extra else "",
            "status": "active",
            "maintainer": "",
            "family": "",
            "od_conformance": "not reviewed",
            "osd_conformance": "not reviewed",
            "domain_content": True,
            "domain_data": True,
            "domain_software": False,
            "is_generic": False,
        }
        for t in terms(session, "licence")
    ]


def domain_terms(session: Session, names: Iterable[str] | None = None) -> list[VocabularyTerm]:
    """Active domains, optionally only those whose code or label is in ``names``."""
    found = terms(session, "domain")
    if names is None:
        return found
    wanted = {n.lower() for n in names}
    return [t for t in found if t.code.lower() in wanted or t.label_zh.lower() in wanted]


def packages_of(
    session: Session, actor: Actor, condition: ColumnElement[bool], limit: int
) -> Sequence[Dataset]:
    """Public datasets matching ``condition``, newest modified first (for *_show include_datasets)."""
    stmt = (
        select(Dataset)
        .where(public_clause(actor, include_private=False, include_deleted=False), condition)
        .order_by(Dataset.modified_at.desc(), Dataset.id.desc())
        .limit(limit)
    )
    return list(session.scalars(_with_children(stmt)).unique())
