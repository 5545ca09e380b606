"""Self-registration (individuals and organizations) and personal API tokens on My account."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.errors import Conflict, InvalidInput
from kaifang.web.api.accounts import sign_in
from kaifang.web.deps import get_runtime, policy, signed_in_policy
from kaifang.web.pages.guards import redirect
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

# Service error fields → the form field that shows them.
FIELD_ALIASES = {"company_uscc": "company_uscc", "password": "password", "username": "username"}
TOKEN_DAYS = (30, 90, 180, 365)


class RegisterForm(BaseModel):
    """What the registration form posts."""

    username: str = Field(default="", max_length=150)
    password: str = Field(default="", max_length=500)
    password_confirm: str = Field(default="", max_length=500)
    display_name: str = Field(default="", max_length=150)
    account_kind: Literal["individual", "organization"] = "individual"
    company_uscc: str = Field(default="", max_length=40)
    agree: str = ""


class TokenForm(BaseModel):
    """What the new-token form posts."""

    name: str = Field(default="", max_length=100)
    expires_days: int = Field(default=90, ge=1, le=365)


@router.get("/register")
def register_page(request: Request, actor: Actor = policy(None)) -> Response:
    """The registration form; signed-in visitors go to their account."""
    if actor.is_authenticated:
        return redirect("/account")
    return render(request, "register.html", {"values": RegisterForm(), "errors": {}})


@router.post("/register")
def register_submit(
    request: Request, form: Annotated[RegisterForm, Form()], actor: Actor = policy(None)
) -> Response:
    """Create the account and sign it in, or show the form with its errors."""
    errors = _form_errors(form)
    if not errors:
        errors = _create_account(request, form)
    if errors:
        return render(request, "register.html", {"values": form, "errors": errors}, status_code=422)
    response = RedirectResponse("/account?welcome=1", status_code=303)
    sign_in(request, response, form.username, form.password)
    return response


def _form_errors(form: RegisterForm) -> dict[str, str]:
    errors = {}
    if form.password != form.password_confirm:
        errors["password_confirm"] = "两次输入的密码不一致 (the passwords do not match)"
    if not form.agree:
        errors["agree"] = "请阅读并同意平台服务协议 (accept the terms of use)"
    if form.account_kind == "organization" and not form.display_name.strip():
        errors["display_name"] = "请填写单位名称 (enter the organization's name)"
    return errors


def _create_account(request: Request, form: RegisterForm) -> dict[str, str]:
    """Create the user; a dict of field errors when the service refuses."""
    is_org = form.account_kind == "organization"
    try:
        with get_runtime(request).db.unit_of_work() as session:
            auth_service.create_user(
                session,
                actor=None,
                username=form.username.strip(),
                password=form.password,
                role="user",
                display_name=form.display_name.strip(),
                account_kind=form.account_kind,
                company_uscc=(form.company_uscc.strip().upper() or None) if is_org else None,
            )
    except Conflict as exc:
        return {"username": exc.message}
    except InvalidInput as exc:
        return {_error_field(exc.details): exc.message}
    return {}


def _error_field(details: Any) -> str:
    field = details.get("field") if isinstance(details, dict) else None
    return FIELD_ALIASES.get(str(field), "username")


@router.post("/account/tokens")
def create_token(
    request: Request,
    form: Annotated[TokenForm, Form()],
    actor: Actor = signed_in_policy("token.manage_own"),
) -> Response:
    """Issue a personal token and show its value on this response only."""
    runtime = get_runtime(request)
    with runtime.db.unit_of_work() as session:
        user = auth_service.get_user(session, actor.user_id or 0)
        _token, raw = auth_service.create_token(
            session, user=user, actor=actor, name=form.name.strip(), expires_days=form.expires_days
        )
    with runtime.db.unit_of_work(write=False) as session:
        user = auth_service.get_user(session, actor.user_id or 0)
        tokens = auth_service.list_tokens(session, user_id=user.id)
        # The value is shown on this response only, so it must not be cached anywhere.
        return render(
            request,
            "account.html",
            {"user": user, "tokens": tokens, "new_token": raw, "token_days": TOKEN_DAYS},
            headers={"cache-control": "no-store"},
        )


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int, request: Request, actor: Actor = signed_in_policy("token.manage_own")
) -> Response:
    """Revoke one of the signed-in user's tokens."""
    with get_runtime(request).db.unit_of_work() as session:
        auth_service.revoke_token(session, actor=actor, token_id=token_id)
    return redirect("/account", revoked=token_id)
