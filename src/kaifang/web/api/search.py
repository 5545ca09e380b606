"""Catalogue search and autocomplete (Chinese words, pinyin and initials; facets; keyset pages)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from kaifang.errors import BadRequest
from kaifang.search import service as search_service
from kaifang.search.cache import ResultCache, process_cache
from kaifang.search.schemas import FACETS, SearchQuery
from kaifang.web.deps import get_runtime, policy

router = APIRouter(prefix="/api/v1", tags=["search"])


def search_cache(request: Request) -> ResultCache[Any]:
    """This process's cache of public search results, sized by the settings."""
    runtime = get_runtime(request)
    return process_cache(
        runtime.extras,
        max_entries=runtime.settings.search_cache_entries,
        ttl_seconds=runtime.settings.search_cache_seconds,
        reader=lambda: runtime.db.unit_of_work(write=False),
        refresh_top=runtime.settings.search_cache_refresh_top,
    )


def query_from_request(request: Request) -> SearchQuery:
    """Build a SearchQuery from ``q``, ``in_items``, ``sort``, ``size``, ``next`` and facet filters."""
    params = request.query_params
    filters = {name: params.getlist(name) for name in FACETS if params.getlist(name)}
    try:
        return SearchQuery(
            q=params.get("q", ""),
            in_items=params.get("in_items") in ("1", "true", "on"),
            filters=filters,
            sort=params.get("sort", "relevance"),  # type: ignore[arg-type]
            cursor=params.get("next") or None,
            size=int(params.get("size", "20") or 20),
        )
    except (ValidationError, ValueError) as exc:
        raise BadRequest(
            "搜索参数有误 (invalid search parameters)",
            details={"reason": str(exc).splitlines()[0][:200]},
        ) from None


@router.get("/datasets", dependencies=[policy(None)])
def search_datasets(
    request: Request,
    q: str = Query(default="", max_length=200, description="Chinese words, pinyin or initials"),
    in_items: bool = Query(default=False, description="search only data-item names"),
    sort: str = Query(
        default="relevance", description="relevance, newest, updated, views, downloads"
    ),
    size: int = Query(default=20, ge=1, le=100),
    next: str | None = Query(default=None, description="cursor from the previous page"),
    domain: list[str] = Query(default=[]),
    organization: list[str] = Query(default=[]),
    region: list[str] = Query(default=[]),
    open_attribute: list[str] = Query(default=[]),
    grade: list[str] = Query(default=[]),
    format: list[str] = Query(default=[]),
    update_frequency: list[str] = Query(default=[]),
) -> dict[str, Any]:
    """Search the catalogue the caller may see, with facet counts and a `next` cursor."""
    query = query_from_request(request)
    with get_runtime(request).db.unit_of_work(write=False) as session:
        result = search_service.search_datasets(
            session, actor=request.state.actor, query=query, cache=search_cache(request)
        )
    body = result.model_dump(mode="json")
    body["next"] = body.pop("next_cursor")
    return body


@router.get("/search/suggest", dependencies=[policy(None)])
def suggest(
    request: Request,
    q: str = Query(default="", max_length=50),
    limit: int = Query(default=8, ge=1, le=20),
) -> dict[str, Any]:
    """Title completions for a Chinese or pinyin prefix."""
    if not q.strip():
        return {"suggestions": []}
    with get_runtime(request).db.unit_of_work(write=False) as session:
        found = search_service.suggest(session, actor=request.state.actor, prefix=q, limit=limit)
    return {
        "suggestions": [
            {"title": s.title, "url": f"/datasets/{s.dataset_id}", "catalog_code": s.catalog_code}
            for s in found
        ]
    }
