"""The portal home page: search, headline figures, domain tiles, newest and most used datasets."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kaifang.auth.actor import ANONYMOUS, Actor
from kaifang.catalog import queries
from kaifang.showcase import service as showcase_service
from kaifang.showcase.models import ShowcaseApp
from kaifang.web.deps import get_runtime, policy
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)
HOME_APPS = 4
FIGURE_LABELS = (
    ("datasets", "Datasets"),
    ("items", "Data items"),
    ("organizations", "Organizations"),
    ("downloads", "Downloads"),
    ("api_calls", "API calls"),
)


@router.get("/")
def home(request: Request, actor: Actor = policy(None)) -> Response:
    """Public figures only: the home page shows what anonymous visitors can see."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        numbers = queries.headline_figures(session, actor=ANONYMOUS)
        context = {
            "figures": [(label, f"{numbers[key]:,}") for key, label in FIGURE_LABELS],
            "domains": [(t, n) for t, n in queries.domain_counts(session, actor=ANONYMOUS) if n],
            "newest": queries.top_datasets(session, actor=ANONYMOUS, order="newest"),
            "popular": queries.top_datasets(session, actor=ANONYMOUS, order="popular"),
            "apps": _featured_apps(session),
        }
        return render(request, "home.html", context)


def _featured_apps(session: Session) -> list[ShowcaseApp]:
    """Featured apps; the newest approved ones while none is featured."""
    featured = showcase_service.list_apps(session, featured_only=True, limit=HOME_APPS)
    return featured or showcase_service.list_apps(session, limit=HOME_APPS)
