"""Sign-in, registration, the current user and personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.errors import NotAuthenticated
from kaifang.web.api.schemas import LoginIn, RegisterIn, TokenCreated, TokenIn, TokenOut, UserOut
from kaifang.web.deps import SESSION_COOKIE, get_runtime, policy, signed_in_policy

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def sign_in(request: Request, response: Response, username: str, password: str) -> UserOut:
    """Check credentials, rotate the session cookie and return the user."""
    runtime = get_runtime(request)
    settings = runtime.settings
    old = request.cookies.get(SESSION_COOKIE)
    with runtime.db.unit_of_work() as session:
        if old:
            auth_service.end_session(session, old)
        user = auth_service.authenticate(
            session,
            username=username,
            password=password,
            max_failures=settings.login_max_failures,
            lockout_seconds=settings.login_lockout_seconds,
        )
        if user is not None:
            raw = auth_service.start_session(
                session, user=user, max_age_seconds=settings.session_max_age_seconds
            )
            out = UserOut.model_validate(user)
    if user is None:
        # Raised after commit so the failure count and its audit record are kept.
        raise NotAuthenticated(auth_service.GENERIC_LOGIN_ERROR)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=settings.session_max_age_seconds,
    )
    return out


@router.post("/auth/login", dependencies=[policy(None)])
def login(body: LoginIn, request: Request, response: Response) -> UserOut:
    """Sign in with a password; sets an HttpOnly session cookie. 401 never says which part was wrong."""
    return sign_in(request, response, body.username, body.password)


@router.post("/auth/logout", status_code=204, dependencies=[policy(None)])
def logout(request: Request) -> Response:
    """End the browser session."""
    runtime = get_runtime(request)
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        with runtime.db.unit_of_work() as session:
            auth_service.end_session(session, raw)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/auth/register", status_code=201)
def register(body: RegisterIn, request: Request, actor: Actor = policy(None)) -> UserOut:
    """Self-registration as an individual or an organization (with a valid credit code)."""
    runtime = get_runtime(request)
    with runtime.db.unit_of_work() as session:
        user = auth_service.create_user(
            session,
            actor=None,
            username=body.username,
            password=body.password,
            role="user",
            display_name=body.display_name,
            account_kind=body.account_kind,
            company_uscc=body.company_uscc,
        )
        return UserOut.model_validate(user)


@router.get("/me")
def me(request: Request, actor: Actor = signed_in_policy("account.read_own")) -> UserOut:
    """The signed-in user."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        return UserOut.model_validate(auth_service.get_user(session, actor.user_id or 0))


@router.get("/me/tokens")
def my_tokens(
    request: Request, actor: Actor = signed_in_policy("token.manage_own")
) -> list[TokenOut]:
    """My API tokens (never their values)."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        tokens = auth_service.list_tokens(session, user_id=actor.user_id or 0)
        return [TokenOut.model_validate(t) for t in tokens]


@router.post("/me/tokens", status_code=201)
def create_my_token(
    body: TokenIn, request: Request, actor: Actor = signed_in_policy("token.manage_own")
) -> TokenCreated:
    """Issue a token; its value is shown in this response only."""
    with get_runtime(request).db.unit_of_work() as session:
        user = auth_service.get_user(session, actor.user_id or 0)
        token, raw = auth_service.create_token(
            session, user=user, actor=actor, name=body.name, expires_days=body.expires_days
        )
        return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=raw)


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_my_token(
    token_id: int, request: Request, actor: Actor = signed_in_policy("token.manage_own")
) -> Response:
    """Revoke one of my tokens; it stops working on the next request."""
    with get_runtime(request).db.unit_of_work() as session:
        auth_service.revoke_token(session, actor=actor, token_id=token_id)
    return Response(status_code=204)
