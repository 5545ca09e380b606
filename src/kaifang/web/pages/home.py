"""The portal home page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kaifang.auth.actor import Actor
from kaifang.web.deps import get_runtime, policy
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, actor: Actor = policy(None)) -> Response:
    runtime = get_runtime(request)
    figures = runtime.extras.get("home_figures")
    context = figures(actor) if figures else {}
    return render(request, "home.html", context)
