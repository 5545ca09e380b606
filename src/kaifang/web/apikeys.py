"""Developer keys and rate limits over HTTP: the hooks ``deps.current_actor`` and the data API use.

``api_key_identity(request)`` authenticates ``Authorization: Bearer ak_….<secret>`` or the
``X-Kaifang-*`` signature headers (None when the request carries neither; 401 when they fail).
``key_aware_policy(action)`` is a route policy that accepts a developer key before falling
back to the session or personal token. ``apply_rate_limit(request, actor)`` charges the
request to its key's (or user's, or client IP's) token bucket and returns the header values.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from kaifang.access import service as access_service
from kaifang.access.calllog import CallRecord, install_call_log
from kaifang.access.keys import APP_KEY_PREFIX, KeyIdentity, RequestParts
from kaifang.access.nonces import NonceStore, nonce_store_for
from kaifang.access.quotas import RateLimiter, RateLimitState, make_rate_limiter
from kaifang.access.schemas import ApiKeyCreated, ApiKeyIn, ApiKeyOut, CallLogOut
from kaifang.auth.actor import Actor
from kaifang.errors import NotAuthenticated, RateLimited
from kaifang.runtime import Runtime
from kaifang.web.deps import current_actor, get_runtime, signed_in_policy
from kaifang.web.errors import error_body
from kaifang.web.middleware import client_ip


def _nonces(runtime: Runtime) -> NonceStore:
    store: NonceStore = runtime.extras.setdefault(
        "access_nonces", nonce_store_for(runtime.settings)
    )
    return store


def rate_limiter(runtime: Runtime) -> RateLimiter:
    """The runtime's one token-bucket store (in process, or Redis when configured)."""
    if "access_rate_limiter" not in runtime.extras:
        runtime.extras["access_rate_limiter"] = make_rate_limiter(runtime.settings)
    limiter: RateLimiter = runtime.extras["access_rate_limiter"]
    return limiter


def carries_api_key(request: Request) -> bool:
    """Whether the request presents developer-key credentials at all."""
    if "x-kaifang-key" in request.headers:
        return True
    value = request.headers.get("authorization", "")
    return value.lower().startswith("bearer ") and value[7:].strip().startswith(APP_KEY_PREFIX)


async def request_parts(request: Request) -> RequestParts:
    """The parts of the request a signature covers (the body is read and cached by Starlette)."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    body = await request.body()
    return RequestParts(request.method, request.url.path, request.url.query, headers, body)


async def api_key_identity(request: Request) -> KeyIdentity | None:
    """The developer key behind the request, cached on ``request.state``; raises 401 on failure."""
    if hasattr(request.state, "api_key"):
        cached: KeyIdentity | None = request.state.api_key
        return cached
    identity = None
    if carries_api_key(request):
        runtime = get_runtime(request)
        parts = await request_parts(request)
        with runtime.db.unit_of_work(write=False) as session:
            identity = access_service.identify_api_key(
                session, parts, runtime.settings, nonces=_nonces(runtime)
            )
    request.state.api_key = identity
    return identity


def key_aware_policy(action: str | None, *, scope: str | None = None) -> Any:
    """A route policy accepting developer keys (with ``scope``), sessions and personal tokens."""

    async def dependency(request: Request) -> Actor:
        identity = await api_key_identity(request)
        if identity is not None:
            if scope:
                access_service.require_scope(identity, scope)
            request.state.actor = identity.actor
            actor = identity.actor
        else:
            actor = await current_actor(request)
        if action is not None and not actor.is_authenticated:
            raise NotAuthenticated("请先登录 (sign in first)", details={"action": action})
        return actor

    dependency.__kaifang_policy__ = action  # type: ignore[attr-defined]
    return Depends(dependency)


def apply_rate_limit(request: Request, actor: Actor) -> RateLimitState:
    """Charge the request to its bucket: key, else signed-in user, else client IP; raises 429."""
    runtime = get_runtime(request)
    identity: KeyIdentity | None = getattr(request.state, "api_key", None)
    bucket = None
    if identity is not None:
        bucket = identity.app_key
    elif actor.user_id is not None:
        bucket = f"user:{actor.user_id}"
    ip = client_ip(request.scope, runtime.settings.trusted_proxies)
    state = access_service.enforce_rate_limit(
        rate_limiter(runtime), key_id=bucket, client_ip=ip, settings=runtime.settings
    )
    request.state.rate_limit = state
    return state


def log_call(request: Request, record: CallRecord) -> None:
    """Queue a data-API call record, filling in the caller, the key and the client address."""
    runtime = get_runtime(request)
    identity: KeyIdentity | None = getattr(request.state, "api_key", None)
    actor: Actor | None = getattr(request.state, "actor", None)
    user_id = actor.user_id if actor is not None else None
    key_id = identity.key_id if identity is not None else None
    record = dataclasses.replace(
        record,
        user_id=record.user_id if record.user_id is not None else user_id,
        key_id=record.key_id if record.key_id is not None else key_id,
        ip=record.ip or client_ip(request.scope, runtime.settings.trusted_proxies),
    )
    install_call_log(runtime).add(record)


def rate_limited_response(exc: RateLimited) -> JSONResponse:
    """A 429 carrying Retry-After and the RateLimit-* headers."""
    headers = {
        k: str(v) for k, v in (exc.details or {}).items() if k.startswith(("RateLimit", "Retry"))
    }
    headers.setdefault("Retry-After", str(exc.retry_after))
    return JSONResponse(error_body(exc.code, exc.message), status_code=429, headers=headers)


developer_router = APIRouter(tags=["developer"])


# --- routes: developer keys, call logs, credentials check -----------------------------------


def _created(key: Any, secret: str) -> ApiKeyCreated:
    return ApiKeyCreated(**ApiKeyOut.model_validate(key).model_dump(), secret=secret)


@developer_router.post("/developer/keys", status_code=201)
def create_key(
    body: ApiKeyIn, request: Request, actor: Actor = signed_in_policy("apikey.manage_own")
) -> ApiKeyCreated:
    """Issue an AppKey and secret; the secret is in this response only."""
    runtime = get_runtime(request)
    with get_runtime(request).db.unit_of_work() as session:
        key, secret = access_service.create_api_key(
            session,
            actor=actor,
            settings=runtime.settings,
            name=body.name,
            scopes=body.scopes,
            expires_days=body.expires_days,
            for_organization=body.for_organization,
        )
        return _created(key, secret)


@developer_router.get("/developer/keys")
def list_keys(
    request: Request, actor: Actor = signed_in_policy("apikey.manage_own")
) -> list[ApiKeyOut]:
    """The actor's keys (officers: and their organization's); secrets are never shown."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        return [
            ApiKeyOut.model_validate(k) for k in access_service.list_api_keys(session, actor=actor)
        ]


@developer_router.post("/developer/keys/{key_id}/rotate", status_code=201)
def rotate_key(
    key_id: int, request: Request, actor: Actor = signed_in_policy("apikey.manage_own")
) -> ApiKeyCreated:
    """Replace a key with a new AppKey and secret; the old key stops working."""
    runtime = get_runtime(request)
    with get_runtime(request).db.unit_of_work() as session:
        key, secret = access_service.rotate_api_key(
            session, actor=actor, settings=runtime.settings, key_id=key_id
        )
        return _created(key, secret)


@developer_router.post("/developer/keys/{key_id}/revoke")
def revoke_key(
    key_id: int, request: Request, actor: Actor = signed_in_policy("apikey.manage_own")
) -> ApiKeyOut:
    """Revoke a key at once."""
    with get_runtime(request).db.unit_of_work() as session:
        return ApiKeyOut.model_validate(
            access_service.revoke_api_key(session, actor=actor, key_id=key_id)
        )


@developer_router.get("/developer/calls")
def list_calls(
    request: Request,
    scope: Literal["mine", "organization", "all"] = "mine",
    organization_id: int | None = None,
    dataset_id: int | None = None,
    before: int | None = Query(default=None, description="keyset cursor from `next`"),
    limit: int = Query(default=100, ge=1, le=500),
    actor: Actor = key_aware_policy("calllog.read_own", scope="access:read"),
) -> dict[str, Any]:
    """Call logs: your own; calls to your organization's data; or all (auditors)."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        rows = access_service.list_call_logs(
            session,
            actor=actor,
            scope=scope,
            organization_id=organization_id,
            dataset_id=dataset_id,
            before_id=before,
            limit=limit,
        )
        return {
            "items": [CallLogOut.model_validate(r).model_dump(mode="json") for r in rows],
            "next": str(rows[-1].id) if len(rows) == limit else None,
        }


@developer_router.get("/access/whoami")
def whoami(request: Request, actor: Actor = key_aware_policy(None)) -> Response:
    """Who the credentials speak for and what is left of the rate limit (charges one request)."""
    try:
        state = apply_rate_limit(request, actor)
    except RateLimited as exc:
        return rate_limited_response(exc)
    identity = getattr(request.state, "api_key", None)
    body = {
        "user_id": actor.user_id,
        "username": actor.username,
        "role": actor.role,
        "via": actor.via,
        "app_key": identity.app_key if identity else None,
        "scopes": sorted(identity.scopes) if identity else None,
        "rate_limit": {
            "limit": state.limit,
            "remaining": state.remaining,
            "reset_seconds": state.reset_seconds,
        },
    }
    return JSONResponse(body, headers=state.headers())
