"""Sign-in, sign-out and my-account pages."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kaifang import errors
from kaifang.activity import service as activity_service
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.feedback import queries as feedback_queries
from kaifang.showcase import service as showcase_service
from kaifang.web.api.accounts import sign_in
from kaifang.web.deps import SESSION_COOKIE, get_runtime, policy, signed_in_policy
from kaifang.web.pages.feedback import KIND_MSGIDS, STATE_MSGIDS
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)
ACCOUNT_ROWS = 10


def _safe_next(target: str) -> str:
    # Only same-site relative paths, so the login form cannot be used as an open redirect.
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/", actor: Actor = policy(None)) -> Response:
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
def login_submit(
    request: Request,
    username: str = Form(max_length=150),
    password: str = Form(max_length=500),
    next: str = Form(default="/"),
    actor: Actor = policy(None),
) -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    try:
        sign_in(request, response, username, password)
    except (errors.NotAuthenticated, errors.Locked) as exc:
        status = 423 if isinstance(exc, errors.Locked) else 401
        return render(
            request,
            "login.html",
            {"error": exc.message, "next": _safe_next(next), "username": username},
            status_code=status,
        )
    return response


@router.post("/logout")
def logout_submit(request: Request, actor: Actor = policy(None)) -> Response:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        with get_runtime(request).db.unit_of_work() as session:
            auth_service.end_session(session, raw)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/account")
def account_page(request: Request, actor: Actor = signed_in_policy("account.read_own")) -> Response:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        user = auth_service.get_user(session, actor.user_id or 0)
        context = {
            "user": user,
            "tokens": auth_service.list_tokens(session, user_id=user.id),
            "downloads": activity_service.my_downloads(session, actor=actor, limit=ACCOUNT_ROWS),
            "orders": feedback_queries.my_work_orders(session, actor=actor, limit=ACCOUNT_ROWS),
            "apps": showcase_service.my_apps(session, actor=actor),
            "kind_msgids": KIND_MSGIDS,
            "state_msgids": STATE_MSGIDS,
        }
        return render(request, "account.html", context)


@router.get("/account/downloads")
def my_downloads_page(
    request: Request, actor: Actor = signed_in_policy("account.read_own")
) -> Response:
    """Every export I downloaded while signed in (the latest 500), to fetch it again."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        downloads = activity_service.my_downloads(session, actor=actor, limit=500)
        return render(request, "downloads.html", {"downloads": downloads})
