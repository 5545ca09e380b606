"""The developer center: keys, the native and CKAN-compatible APIs, quotas and examples."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kaifang.auth.actor import ANONYMOUS, Actor
from kaifang.catalog import queries
from kaifang.datastore.filters import MAX_SIZE
from kaifang.web.deps import get_runtime, policy
from kaifang.web.pages.presenters import base_url, chart_column
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/developer")
def developer_page(request: Request, actor: Actor = policy(None)) -> Response:
    """How to get a token, call the native and CKAN APIs, and the quotas."""
    runtime = get_runtime(request)
    settings = runtime.settings
    with runtime.db.unit_of_work(write=False) as session:
        newest = queries.list_datasets(session, actor=ANONYMOUS, status="published", limit=1)
        example = newest.items[0] if newest.items else None
        context = {
            "origin": base_url(request),
            "example_id": example.id if example else 1,
            "example_code": example.catalog_code if example else "CATALOGUE-CODE",
            "example_column": chart_column(
                [i for i in example.items if i.open_attribute == "unconditional"]
            )
            if example
            else "",
            "quota": {
                "anonymous_per_minute": settings.rate_limit_anonymous_per_minute,
                "max_page_size": MAX_SIZE,
                "time_budget_ms": settings.query_time_budget_ms,
                "token_days": settings.token_default_days,
            },
        }
        return render(request, "developer.html", context)
