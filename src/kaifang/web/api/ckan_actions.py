"""CKAN catalogue actions: each takes one :class:`Call` and returns the CKAN ``result``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from kaifang import __version__
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.catalog import service as catalog_service
from kaifang.catalog import workflow
from kaifang.catalog.models import Dataset, VocabularyTerm
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.errors import NotFound
from kaifang.interop import ckan
from kaifang.interop import ckan_input as ckan_in
from kaifang.interop.ckan_query import SearchQueryError, json_list_has
from kaifang.runtime import Runtime
from kaifang.web.deps import get_runtime

DELETE_REASON = "通过 CKAN 接口删除 (deleted through the CKAN API)"


@dataclass
class Call:
    """One action call: the request, its merged parameters and uploaded files."""

    request: Request
    params: dict[str, Any]
    files: dict[str, UploadFile] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        actor: Actor = self.request.state.actor
        return actor

    @property
    def runtime(self) -> Runtime:
        return get_runtime(self.request)

    def links(self) -> ckan.Links:
        return ckan.Links(site_url(self.request))


def site_url(request: Request) -> str:
    """The configured public base URL, else the one the request came in on."""
    configured = get_runtime(request).settings.base_url
    return (configured or str(request.base_url)).rstrip("/")


# --- parameter helpers -----------------------------------------------------------------------


def _int(params: dict[str, Any], name: str, default: int, *, maximum: int | None = None) -> int:
    raw = params.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ckan_in.CKANValidationError({name: ["Invalid integer"]}) from None
    if value < 0:
        raise ckan_in.CKANValidationError({name: ["Must be a natural number"]})
    return min(value, maximum) if maximum is not None else value


def _bool(params: dict[str, Any], name: str, default: bool = False) -> bool:
    raw = params.get(name, default)
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("true", "1", "yes", "on")


def _list(params: dict[str, Any], name: str) -> list[str]:
    raw = params.get(name)
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip().startswith("[") else [raw]
        except ValueError:
            raise ckan_in.CKANValidationError({name: ["Could not parse as valid JSON"]}) from None
    if not isinstance(raw, list):
        raise ckan_in.CKANValidationError({name: ["Not a list"]})
    return [str(v) for v in raw]


def required(params: dict[str, Any], *names: str) -> str:
    for name in names:
        value = params.get(name)
        if value not in (None, ""):
            return str(value)
    raise ckan_in.CKANValidationError({names[0]: ["Missing value"]})


def _package_out(session: Session, dataset: Dataset, call: Call) -> dict[str, Any]:
    return ckan.package_dict(dataset, VocabularyIndex(session), call.links())


def find_visible(session: Session, call: Call, ref: str) -> Dataset:
    dataset = ckan.find_package(session, actor=call.actor, ref=ref)
    if dataset is None:
        raise NotFound("Dataset not found")
    return dataset


# --- site and packages -----------------------------------------------------------------------


def status_show(call: Call) -> dict[str, Any]:
    return {
        "site_title": "开放 Kaifang",
        "site_description": "公共数据开放平台 (public data open platform)",
        "site_url": site_url(call.request),
        "error_emails_to": None,
        "locale_default": "zh_Hans_CN",
        "extensions": ["datastore"],
        "ckan_version": ckan.CKAN_VERSION,
        "kaifang_version": __version__,
    }


def package_list(call: Call) -> list[str]:
    limit = _int(call.params, "limit", 10_000, maximum=10_000)
    offset = _int(call.params, "offset", 0)
    with call.runtime.db.unit_of_work(write=False) as session:
        return ckan.list_package_names(session, actor=call.actor, limit=limit, offset=offset)


def package_show(call: Call) -> dict[str, Any]:
    ref = required(call.params, "id", "name")
    with call.runtime.db.unit_of_work(write=False) as session:
        return _package_out(session, find_visible(session, call, ref), call)


def _search_params(params: dict[str, Any]) -> ckan.PackageSearch:
    fq = _list(params, "fq_list")
    if params.get("fq"):
        fq.insert(0, str(params["fq"]))
    facet_fields = _list(params, "facet.field")
    unknown = [f for f in facet_fields if f not in ckan.FACET_FIELDS]
    if unknown:
        raise SearchQueryError(f"Search Query is invalid: cannot facet on {unknown[0][:40]!r}")
    facet_limit = int(params.get("facet.limit", 50) or 50)
    return ckan.PackageSearch(
        q=str(params.get("q") or ""),
        fq=tuple(fq),
        sort=str(params.get("sort") or ""),
        rows=_int(params, "rows", 10, maximum=ckan.ROWS_MAX),
        start=_int(params, "start", 0),
        facet_fields=tuple(facet_fields),
        facet_limit=facet_limit,
        include_private=_bool(params, "include_private") or _bool(params, "include_drafts"),
        include_deleted=_bool(params, "include_deleted"),
    )


def package_search(call: Call) -> dict[str, Any]:
    search = _search_params(call.params)
    with call.runtime.db.unit_of_work(write=False) as session:
        page = ckan.search_packages(session, actor=call.actor, search=search)
        results = [_package_out(session, d, call) for d in page.datasets]
    search_facets = {
        name: {
            "title": name,
            "items": [{"name": v, "display_name": d, "count": n} for v, d, n in items],
        }
        for name, items in page.facets.items()
    }
    return {
        "count": page.count,
        "results": results,
        "sort": search.sort or "score desc, metadata_modified desc",
        "facets": {name: {v: n for v, _d, n in items} for name, items in page.facets.items()},
        "search_facets": search_facets,
    }


def current_package_list_with_resources(call: Call) -> list[dict[str, Any]]:
    limit = _int(call.params, "limit", 10, maximum=1000)
    offset = _int(call.params, "offset", 0)
    if "page" in call.params:
        offset = (max(_int(call.params, "page", 1), 1) - 1) * limit
    with call.runtime.db.unit_of_work(write=False) as session:
        found = ckan.recent_packages(session, actor=call.actor, limit=limit, offset=offset)
        return [_package_out(session, d, call) for d in found]


def recently_changed_activity(call: Call) -> list[dict[str, Any]]:
    limit = _int(call.params, "limit", 31, maximum=100)
    offset = _int(call.params, "offset", 0)
    with call.runtime.db.unit_of_work(write=False) as session:
        found = ckan.recent_packages(session, actor=call.actor, limit=limit, offset=offset)
        return [ckan.activity_dict(d, _package_out(session, d, call)) for d in found]


# --- organizations, groups, tags, licences ---------------------------------------------------


def organization_list(call: Call) -> list[Any]:
    wanted = set(_list(call.params, "organizations"))
    sort = str(call.params.get("sort") or "name asc")
    with call.runtime.db.unit_of_work(write=False) as session:
        counts = ckan.package_counts_by_organization(session, call.actor)
        orgs = [
            ckan.organization_dict(o, counts.get(o.id, 0))
            for o in auth_service.list_organizations(session)
            if not wanted or o.slug in wanted
        ]
    orgs = _sorted_groups(orgs, sort)
    return _group_page(call, orgs)


def _sorted_groups(items: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    key_name, _sep, direction = sort.strip().partition(" ")
    key = {"title": "title", "package_count": "package_count"}.get(key_name, "name")
    return sorted(items, key=lambda d: d[key], reverse=direction.strip().lower() == "desc")


def _group_page(call: Call, items: list[dict[str, Any]]) -> list[Any]:
    offset = _int(call.params, "offset", 0)
    all_fields = _bool(call.params, "all_fields")
    limit = _int(call.params, "limit", 1000 if not all_fields else 25, maximum=1000)
    page = items[offset : offset + limit]
    return page if all_fields else [d["name"] for d in page]


def organization_show(call: Call) -> dict[str, Any]:
    ref = required(call.params, "id")
    with call.runtime.db.unit_of_work(write=False) as session:
        org = auth_service.find_organization(session, ref)
        counts = ckan.package_counts_by_organization(session, call.actor)
        out = ckan.organization_dict(org, counts.get(org.id, 0))
        if _bool(call.params, "include_datasets"):
            found = ckan.packages_of(session, call.actor, Dataset.organization_id == org.id, 10)
            out["packages"] = [_package_out(session, d, call) for d in found]
        return out


def group_list(call: Call) -> list[Any]:
    wanted = _list(call.params, "groups") or None
    sort = str(call.params.get("sort") or "name asc")
    with call.runtime.db.unit_of_work(write=False) as session:
        counts = ckan.package_counts_by_domain(session, call.actor)
        groups = [ckan.group_dict(t, counts[t.code]) for t in ckan.domain_terms(session, wanted)]
    return _group_page(call, _sorted_groups(groups, sort))


def _domain(session: Session, ref: str) -> VocabularyTerm:
    found = ckan.domain_terms(session, [ref])
    if not found:
        raise NotFound("Group not found")
    return found[0]


def _domain_packages(
    session: Session, call: Call, term: VocabularyTerm, limit: int
) -> list[dict[str, Any]]:
    condition = json_list_has(Dataset.domains, term.code)
    found = ckan.packages_of(session, call.actor, condition, limit)
    return [_package_out(session, d, call) for d in found]


def group_show(call: Call) -> dict[str, Any]:
    ref = required(call.params, "id")
    with call.runtime.db.unit_of_work(write=False) as session:
        term = _domain(session, ref)
        out = ckan.group_dict(term, ckan.package_counts_by_domain(session, call.actor)[term.code])
        if _bool(call.params, "include_datasets"):
            out["packages"] = _domain_packages(session, call, term, 10)
        return out


def group_package_show(call: Call) -> list[dict[str, Any]]:
    """The public packages of one domain, newest modified first (CKAN's default limit is 25)."""
    ref = required(call.params, "id")
    limit = _int(call.params, "limit", 25, maximum=ckan.ROWS_MAX)
    with call.runtime.db.unit_of_work(write=False) as session:
        return _domain_packages(session, call, _domain(session, ref), limit)


def tag_list(call: Call) -> list[Any]:
    query = str(call.params.get("query") or call.params.get("q") or "")
    with call.runtime.db.unit_of_work(write=False) as session:
        names = ckan.tag_names(session, actor=call.actor, query=query)
    if _bool(call.params, "all_fields"):
        return [{"id": n, "name": n, "display_name": n, "vocabulary_id": None} for n in names]
    return list(names)


def license_list(call: Call) -> list[dict[str, Any]]:
    with call.runtime.db.unit_of_work(write=False) as session:
        return ckan.license_dicts(session)


# --- writes ----------------------------------------------------------------------------------


def package_create(call: Call) -> dict[str, Any]:
    template = call.runtime.settings.catalog_code_template
    with call.runtime.db.unit_of_work() as session:
        data = ckan_in.dataset_in(
            session, call.params, actor_org=call.actor.organization_id, code_template=template
        )
        dataset = catalog_service.create_dataset(
            session, actor=call.actor, data=data, code_template=template
        )
        session.flush()
        return _package_out(session, find_visible(session, call, str(dataset.id)), call)


def _update(call: Call, build: Any) -> dict[str, Any]:
    ref = required(call.params, "id", "name")
    with call.runtime.db.unit_of_work() as session:
        dataset = find_visible(session, call, ref)
        patch = build(session)
        dataset, revision = catalog_service.update_dataset(
            session, actor=call.actor, dataset_id=dataset.id, patch=patch
        )
        session.flush()
        out = _package_out(session, dataset, call)
        if revision is not None:
            out["pending_revision_id"] = revision.id
        return out


def package_update(call: Call) -> dict[str, Any]:
    template = call.runtime.settings.catalog_code_template
    return _update(
        call, lambda s: ckan_in.replacement_patch(s, call.params, code_template=template)
    )


def package_patch(call: Call) -> dict[str, Any]:
    return _update(call, lambda _s: ckan_in.partial_patch(call.params))


def _json_dict(params: dict[str, Any], name: str) -> dict[str, Any]:
    raw = params.get(name) or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ckan_in.CKANValidationError({name: ["Could not parse as valid JSON"]}) from None
    if not isinstance(raw, dict):
        raise ckan_in.CKANValidationError({name: ["Not a dict"]})
    return raw


def package_revise(call: Call) -> dict[str, Any]:
    """Compare-and-set: apply ``update`` (top-level keys) only if ``match`` equals the package."""
    match = _json_dict(call.params, "match")
    update = _json_dict(call.params, "update")
    flattened = [k for k in call.params if k.startswith(("update__", "match__"))]
    if flattened or "resources" in update:
        raise ckan_in.CKANValidationError(
            {"update": ["Only top-level keys are supported; use resource_patch for resources"]}
        )
    ref = str(match.get("id") or match.get("name") or "")
    if not ref:
        raise ckan_in.CKANValidationError({"match": ["Missing id or name"]})
    with call.runtime.db.unit_of_work(write=False) as session:
        current = _package_out(session, find_visible(session, call, ref), call)
    differing = sorted(k for k, v in match.items() if current.get(k) != v)
    if differing:
        raise ckan_in.CKANValidationError({"match": [f"Field {differing[0]!r} does not match"]})
    call.params = {**update, "id": current["id"]}
    return {"package": package_patch(call)}


def package_delete(call: Call) -> None:
    ref = required(call.params, "id", "name")
    reason = str(call.params.get("reason") or DELETE_REASON)
    with call.runtime.db.unit_of_work() as session:
        dataset = find_visible(session, call, ref)
        workflow.withdraw_dataset(session, actor=call.actor, dataset_id=dataset.id, reason=reason)
