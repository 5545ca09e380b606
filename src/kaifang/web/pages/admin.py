"""Platform administration: organizations, users and roles, vocabularies, demo data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from kaifang.access import reviews as access_reviews
from kaifang.auth import service as auth_service
from kaifang.auth.actor import ANONYMOUS, Actor
from kaifang.auth.models import ROLES
from kaifang.catalog.models import VOCABULARY_KINDS
from kaifang.catalog.vocabularies import terms
from kaifang.errors import Conflict, InvalidInput, NotFound
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.pages import lookups
from kaifang.web.pages.access import rules
from kaifang.web.pages.access_labels import CHAIN_MSGIDS
from kaifang.web.pages.guards import redirect, require_role
from kaifang.web.pages.presenters import Labels, page_locale
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

ADMIN = ("admin",)
# Service error fields → the form field that shows them.
USER_FIELDS = {
    "username": "username",
    "password": "password",
    "role": "role",
    "org": "organization_id",
    "region": "region_code",
    "region_code": "region_code",
}


NOTICES = {"saved": "Review chain saved."}


class UserForm(BaseModel):
    """What the create-user form posts."""

    username: str = Field(default="", max_length=150)
    display_name: str = Field(default="", max_length=150)
    password: str = Field(default="", max_length=500)
    role: str = Field(default="user", max_length=20)
    organization_id: str = Field(default="", max_length=20)
    region_code: str = Field(default="", max_length=12)


@router.get("/workbench/admin")
def admin_page(request: Request, actor: Actor = signed_in_policy("user.manage")) -> Response:
    """Users and roles, organizations and vocabularies of the admin's scope."""
    require_role(actor, ADMIN, "user.manage")
    created = request.query_params.get("created")
    notice = NOTICES.get(request.query_params.get("chain", ""), "")
    return _render(request, actor, UserForm(), {}, created=created, notice=notice)


@router.post("/workbench/admin/organizations/{org_id}/review-chain")
def set_review_chain(
    org_id: int,
    request: Request,
    review_chain: Annotated[str, Form(max_length=40)] = "",
    actor: Actor = signed_in_policy("organization.manage"),
) -> Response:
    """Choose who decides an organization's applications (empty: the platform's setting)."""
    require_role(actor, ADMIN, "organization.manage")
    try:
        with get_runtime(request).db.unit_of_work() as session:
            access_reviews.set_review_chain(
                session, actor=actor, organization_id=org_id, chain=review_chain or None
            )
    except InvalidInput as exc:
        return _render(request, actor, UserForm(), {"review_chain": exc.message}, status_code=422)
    return redirect("/workbench/admin", chain="saved")


def _render(
    request: Request,
    actor: Actor,
    form: UserForm,
    errors: dict[str, str],
    *,
    created: str | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        context = {
            "users": auth_service.list_users(session, actor=actor),
            "figures": lookups.figures_by_organization(session, actor=ANONYMOUS),
            "vocabularies": {
                kind: terms(session, kind, active_only=False) for kind in VOCABULARY_KINDS
            },
            "roles": ROLES,
            "form": form,
            "errors": errors,
            "created": created,
            "labels": Labels(session, page_locale(request)),
            "chain_labels": CHAIN_MSGIDS,  # the chains an organization may choose
            "platform_chain": ",".join(rules(request).review_chain),
            "notice": notice,
            **_tenancy(session, actor),
        }
        return render(request, "workbench/admin.html", context, status_code=status_code)


def _tenancy(session: Session, actor: Actor) -> dict[str, Any]:
    scope = actor.region_scope or ""
    return {
        "organizations": auth_service.list_organizations(session, region_prefix=scope or None),
        "regions": [
            r
            for r in auth_service.list_regions(session)
            if len(r.code) <= 6 and r.code.startswith(scope)
        ],
    }


@router.post("/workbench/admin/users")
def create_user(
    request: Request,
    form: Annotated[UserForm, Form()],
    actor: Actor = signed_in_policy("user.manage"),
) -> Response:
    """Create an account with a role; field errors are shown on the form."""
    require_role(actor, ADMIN, "user.manage")
    try:
        with get_runtime(request).db.unit_of_work() as session:
            auth_service.create_user(
                session,
                actor=actor,
                username=form.username.strip(),
                password=form.password,
                role=form.role,
                display_name=form.display_name.strip(),
                organization_id=int(form.organization_id)
                if form.organization_id.isdigit()
                else None,
                region_code=form.region_code or None,
            )
    except Conflict as exc:
        return _render(request, actor, form, {"username": exc.message}, status_code=409)
    except (InvalidInput, NotFound) as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        field = USER_FIELDS.get(str(details.get("field", "")), "username")
        return _render(request, actor, form, {field: exc.message}, status_code=422)
    return redirect("/workbench/admin", created=form.username.strip())


@router.get("/workbench/admin/demo-reset")
def demo_reset_page(request: Request, actor: Actor = signed_in_policy("demo.reset")) -> Response:
    """Ask the admin to confirm before showing how the demo data is reset."""
    require_role(actor, ADMIN, "demo.reset")
    return render(request, "workbench/demo_reset.html", {"confirmed": False})


@router.post("/workbench/admin/demo-reset")
def demo_reset(request: Request, actor: Actor = signed_in_policy("demo.reset")) -> Response:
    """Never resets from the web: it tells the administrator which command does it."""
    require_role(actor, ADMIN, "demo.reset")
    auth_service.authorize(actor, "demo.reset")
    return render(request, "workbench/demo_reset.html", {"confirmed": True})
