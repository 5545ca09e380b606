"""The search results page and the home page's figures."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from kaifang.auth.actor import Actor
from kaifang.search import service as search_service
from kaifang.search.schemas import FACETS
from kaifang.web.api.search import query_from_request, search_cache
from kaifang.web.deps import get_runtime, policy
from kaifang.web.pages.presenters import Labels, page_locale
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)
FACET_TITLES = {
    "domain": "Domain",
    "organization": "Provider",
    "region": "Region",
    "open_attribute": "Open attribute",
    "grade": "Sensitivity grade",
    "format": "Format",
    "update_frequency": "Update frequency",
}
SORTS = (
    ("relevance", "Relevance"),
    ("newest", "Newest"),
    ("updated", "Recently updated"),
    ("views", "Most viewed"),
    ("downloads", "Most downloaded"),
)


def highlight(text: str, terms: list[str]) -> Markup:
    """``text`` escaped, with the matched Chinese words wrapped in <mark>."""
    words = sorted({t for t in terms if t and not t.isascii()}, key=len, reverse=True)
    if not words:
        return Markup.escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words))
    out, pos = [], 0
    for match in pattern.finditer(text):
        out.append(Markup.escape(text[pos : match.start()]))
        out.append(Markup("<mark>{}</mark>").format(match.group(0)))
        pos = match.end()
    out.append(Markup.escape(text[pos:]))
    return Markup("").join(out)


def _link(params: list[tuple[str, str]], **changes: Any) -> str:
    """The current search URL with some parameters replaced (and the cursor dropped)."""
    kept = [(k, v) for k, v in params if k not in changes and k != "next"]
    for key, value in changes.items():
        if value is not None:
            kept.append((key, str(value)))
    return "/datasets?" + urlencode(kept)


def _toggle(params: list[tuple[str, str]], name: str, value: str) -> str:
    pair = (name, value)
    kept = [p for p in params if p != pair and p[0] != "next"]
    if pair not in params:
        kept.append(pair)
    return "/datasets?" + urlencode(kept)


@router.get("/datasets")
def search_page(request: Request, actor: Actor = policy(None)) -> Response:
    """Results with facets, active-filter chips, sorting, highlighting and keyset paging."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    query = query_from_request(request)
    with get_runtime(request).db.unit_of_work(write=False) as session:
        result = search_service.search_datasets(
            session, actor=actor, query=query, cache=search_cache(request)
        )
        labels = Labels(session, page_locale(request))
    chips = [
        (name, value, _toggle(params, name, value)) for name, value in params if name in FACETS
    ]
    facet_labels = {(n, f["value"]): f["label"] for n, fs in result.facets.items() for f in fs}
    return render(
        request,
        "search.html",
        {
            "labels": labels,
            "highlight": highlight,
            "result": result,
            "query": query,
            "facet_titles": FACET_TITLES,
            "sorts": SORTS,
            "chips": [(FACET_TITLES[n], facet_labels.get((n, v), v), url) for n, v, url in chips],
            "toggle": lambda n, v: _toggle(params, n, v),
            "sort_link": lambda s: _link(params, sort=s),
            "next_link": _link(params, next=result.next_cursor) if result.next_cursor else None,
            "in_items_link": _link(params, in_items=None if query.in_items else "1"),
        },
    )
