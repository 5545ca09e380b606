"""Request dependencies: the runtime, the acting user, CSRF, and declared policies per route."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import Depends, Request

from kaifang.auth import service as auth_service
from kaifang.auth.actor import ANONYMOUS, Actor
from kaifang.errors import NotAuthenticated, PermissionDenied
from kaifang.runtime import Runtime

SESSION_COOKIE = "kf_session"
CSRF_COOKIE = "kf_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    if value.lower().startswith("bearer "):
        return value[7:].strip() or None
    return None


def _resolve(runtime: Runtime, request: Request) -> tuple[Actor, str]:
    token = _bearer(request)
    with runtime.db.unit_of_work(write=False) as session:
        if token is not None:
            user = auth_service.resolve_token(session, token)
            if user is None:
                raise NotAuthenticated(
                    "令牌无效、已过期或已撤销 (invalid, expired or revoked token)"
                )
            return auth_service.actor_for(user, via="token"), "token"
        raw = request.cookies.get(SESSION_COOKIE)
        if raw:
            user = auth_service.resolve_session(session, raw)
            if user is not None:
                return auth_service.actor_for(user, via="session"), "session"
    return ANONYMOUS, "anonymous"


def csrf_token_for(request: Request) -> str:
    """The token forms must echo; derived from the per-browser CSRF cookie."""
    runtime = get_runtime(request)
    cookie = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not cookie:
        cookie = secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = cookie
    key = runtime.settings.derived_key("csrf")
    return hmac.new(key, cookie.encode(), "sha256").hexdigest()


async def _check_csrf(request: Request, via: str) -> None:
    if request.method not in UNSAFE or via == "token":
        return
    ctype = request.headers.get("content-type", "")
    is_form = ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
    if not is_form and via == "anonymous":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and is_form:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    cookie = request.cookies.get(CSRF_COOKIE)
    expected = csrf_token_for(request) if cookie else None
    if not sent or expected is None or not hmac.compare_digest(sent, expected):
        raise PermissionDenied(
            "CSRF 校验失败，请刷新页面后重试 (CSRF check failed)", details={"action": "csrf"}
        )


async def current_actor(request: Request) -> Actor:
    """The acting user (or the anonymous visitor), with CSRF enforced for cookie/form writes."""
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    from kaifang.web.apikeys import api_key_identity  # apikeys builds on this module

    identity = await api_key_identity(request)
    if identity is not None:
        # An API key is not a cookie: no CSRF check applies.
        request.state.actor = identity.actor
        return identity.actor
    actor, via = _resolve(get_runtime(request), request)
    await _check_csrf(request, via)
    request.state.actor = actor
    return actor


PolicyDependency = Callable[..., Any]


def policy(action: str | None) -> Any:
    """Declare what a route does; ``None`` declares a public route. Routes without one fail a test.

    The dependency checks only that an actor exists where the action needs one; object-level
    checks happen in services with ``can``, because only they know the target.
    """

    async def dependency(actor: Actor = Depends(current_actor)) -> Actor:
        return actor

    dependency.__kaifang_policy__ = action  # type: ignore[attr-defined]
    return Depends(dependency)


def signed_in_policy(action: str) -> Any:
    """A route that needs a signed-in actor; anonymous callers get 401."""

    async def dependency(actor: Actor = Depends(current_actor)) -> Actor:
        if not actor.is_authenticated:
            raise NotAuthenticated("请先登录 (sign in first)", details={"action": action})
        return actor

    dependency.__kaifang_policy__ = action  # type: ignore[attr-defined]
    return Depends(dependency)
