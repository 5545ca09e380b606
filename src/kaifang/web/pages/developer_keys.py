"""The developer's API keys page: issue (secret shown once), rotate and revoke AppKeys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kaifang.access import service as access_service
from kaifang.access.keys import SCOPES
from kaifang.auth.actor import Actor
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.pages.guards import redirect
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

KEY_DAYS = (30, 90, 180, 365)
# What each scope lets a key do, shown beside its checkbox.
SCOPE_MSGIDS = {
    "data:read": "Read data rows and exports",
    "catalog:read": "Read the catalogue",
    "catalog:write": "Edit the catalogue",
    "access:read": "Read applications and grants",
    "access:write": "Submit applications and reports",
}
NOTICES = {"revoked": "The key was revoked."}


class KeyForm(BaseModel):
    """What the new-key form posts."""

    name: str = Field(default="", max_length=100)
    scopes: list[str] = Field(default_factory=lambda: ["data:read"])
    expires_days: int = Field(default=365, ge=1, le=365)
    for_organization: bool = False


def _page(request: Request, actor: Actor, **extra: Any) -> Response:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        keys = access_service.list_api_keys(session, actor=actor)
        context = {
            "keys": keys,
            "scopes": [(s, SCOPE_MSGIDS[s]) for s in sorted(SCOPES)],
            "key_days": KEY_DAYS,
            "can_issue_for_org": actor.role == "officer" and actor.organization_id is not None,
            "notice": NOTICES.get(next(iter(request.query_params), "")),
            **extra,
        }
        # A secret is shown on this response only, so it must not be cached anywhere.
        headers = {"cache-control": "no-store"} if "secret" in extra else None
        return render(request, "developer_keys.html", context, headers=headers)


@router.get("/account/keys")
def keys_page(request: Request, actor: Actor = signed_in_policy("apikey.manage_own")) -> Response:
    return _page(request, actor)


@router.post("/account/keys")
def create_key(
    request: Request,
    form: Annotated[KeyForm, Form()],
    actor: Actor = signed_in_policy("apikey.manage_own"),
) -> Response:
    """Issue an AppKey and show its secret once."""
    runtime = get_runtime(request)
    with runtime.db.unit_of_work() as session:
        key, secret = access_service.create_api_key(
            session,
            actor=actor,
            settings=runtime.settings,
            name=form.name,
            scopes=form.scopes,
            expires_days=form.expires_days,
            for_organization=form.for_organization,
        )
        app_key = key.app_key
    return _page(request, actor, app_key=app_key, secret=secret)


@router.post("/account/keys/{key_id}/rotate")
def rotate_key(
    key_id: int, request: Request, actor: Actor = signed_in_policy("apikey.manage_own")
) -> Response:
    """Replace a key with a new AppKey and secret (shown once); the old one stops working."""
    runtime = get_runtime(request)
    with runtime.db.unit_of_work() as session:
        key, secret = access_service.rotate_api_key(
            session, actor=actor, settings=runtime.settings, key_id=key_id
        )
        app_key = key.app_key
    return _page(request, actor, app_key=app_key, secret=secret)


@router.post("/account/keys/{key_id}/revoke")
def revoke_key(
    key_id: int, request: Request, actor: Actor = signed_in_policy("apikey.manage_own")
) -> Response:
    """Stop a key at once."""
    with get_runtime(request).db.unit_of_work() as session:
        access_service.revoke_api_key(session, actor=actor, key_id=key_id)
    return redirect("/account/keys", revoked=key_id)
