"""The app showcase over HTTP: submit an app, list approved ones, review (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from kaifang.auth.actor import Actor
from kaifang.showcase import service as showcase_service
from kaifang.showcase.schemas import AppIn, AppOut, ReviewIn
from kaifang.web.deps import get_runtime, policy, signed_in_policy

router = APIRouter(prefix="/api/v1", tags=["showcase"])


def _uow(request: Request, write: bool = True) -> Any:
    return get_runtime(request).db.unit_of_work(write=write)


@router.post("/apps", status_code=201)
def submit_app(
    request: Request, body: AppIn, actor: Actor = signed_in_policy("showcase.submit")
) -> AppOut:
    """Submit an app built on published datasets; it shows once an admin approves it."""
    with _uow(request) as session:
        return AppOut.model_validate(showcase_service.submit_app(session, actor=actor, data=body))


@router.get("/apps")
def list_apps(
    request: Request,
    dataset_id: int | None = None,
    featured: bool = False,
    actor: Actor = policy(None),
) -> list[AppOut]:
    """Approved apps, featured first; optionally those using one dataset."""
    with _uow(request, write=False) as session:
        apps = showcase_service.list_apps(session, featured_only=featured, dataset_id=dataset_id)
        return [AppOut.model_validate(a) for a in apps]


@router.get("/apps/pending")
def pending_apps(
    request: Request, actor: Actor = signed_in_policy("showcase.review")
) -> list[AppOut]:
    """Apps awaiting review (admins)."""
    with _uow(request, write=False) as session:
        return [
            AppOut.model_validate(a) for a in showcase_service.pending_apps(session, actor=actor)
        ]


@router.get("/apps/{app_id}")
def get_app(app_id: int, request: Request, actor: Actor = policy(None)) -> AppOut:
    with _uow(request, write=False) as session:
        return AppOut.model_validate(showcase_service.get_app(session, actor=actor, app_id=app_id))


@router.post("/apps/{app_id}/review")
def review_app(
    app_id: int,
    request: Request,
    body: ReviewIn,
    actor: Actor = signed_in_policy("showcase.review"),
) -> AppOut:
    """Approve (optionally featured on the home page) or reject a submitted app."""
    with _uow(request) as session:
        app = showcase_service.review_app(session, actor=actor, app_id=app_id, decision=body)
        return AppOut.model_validate(app)
