"""Developer keys (AppKey + secret): issue, rotate, revoke, and authenticate requests with them.

Two ways to authenticate:

* ``Authorization: Bearer <app_key>.<secret>``: the secret is checked against its stored
  HMAC-SHA256 digest (keyed with ``settings.derived_key("api-key-hash")``).
* HMAC signature headers ``X-Kaifang-Key``, ``X-Kaifang-Timestamp`` (Unix seconds),
  ``X-Kaifang-Nonce`` and ``X-Kaifang-Signature`` (hex HMAC-SHA256, keyed with the secret, of
  :func:`canonical_request`). Timestamps may be off by five minutes; a nonce is accepted once.

Because the server needs the secret itself to verify a signature but must not store it in
clear, each key also keeps the secret encrypted with AES-256-GCM under
``settings.derived_key("api-key-hmac")`` (the AppKey is the associated data, so a ciphertext
cannot be moved to another key). Changing ``KAIFANG_SECRET_KEY`` therefore invalidates every
developer key, which must then be rotated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kaifang.access.models import ApiKey
from kaifang.access.nonces import NonceStore, nonce_store_for
from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import User
from kaifang.auth.policy import Target
from kaifang.auth.service import actor_for, authorize
from kaifang.config import Settings
from kaifang.db import utcnow
from kaifang.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied

APP_KEY_PREFIX = "ak_"
SCOPES = frozenset({"data:read", "catalog:read", "catalog:write", "access:read", "access:write"})
CLOCK_SKEW_SECONDS = 300
NONCE_TTL_SECONDS = 2 * CLOCK_SKEW_SECONDS + 60
_NONCE = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")
_INVALID = "API 密钥无效、已过期或已撤销 (invalid, expired or revoked API key)"


@dataclass(frozen=True)
class RequestParts:
    """What authentication needs of an HTTP request; header names lower-case."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] | None = None
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return (self.headers or {}).get(name)


@dataclass(frozen=True)
class KeyIdentity:
    """An authenticated key: who it acts as, its scopes, and how it was presented."""

    actor: Actor
    key_id: int
    app_key: str
    scopes: frozenset[str]
    scheme: str


def _digest(settings: Settings, secret: str) -> str:
    return hmac.new(
        settings.derived_key("api-key-hash"), secret.encode(), hashlib.sha256
    ).hexdigest()


def _encrypt(settings: Settings, app_key: str, secret: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(settings.derived_key("api-key-hmac")).encrypt(
        nonce, secret.encode(), app_key.encode()
    )


def _decrypt(settings: Settings, key: ApiKey) -> str:
    blob = bytes(key.hmac_secret_enc)
    try:
        plain = AESGCM(settings.derived_key("api-key-hmac")).decrypt(
            blob[:12], blob[12:], key.app_key.encode()
        )
    except InvalidTag:
        # The server secret changed since the key was issued: the key must be rotated.
        raise NotAuthenticated(_INVALID) from None
    return plain.decode()


def _check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - SCOPES)
    if unknown or not scopes:
        raise InvalidInput(
            "未知或缺少权限范围 (unknown or missing scopes): " + ", ".join(unknown),
            details={"field": "scopes", "allowed": sorted(SCOPES)},
        )
    return sorted(set(scopes))


def create_api_key(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    name: str = "",
    scopes: list[str] | None = None,
    expires_days: int | None = 365,
    for_organization: bool = False,
    rotated_from: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """Issue a key; returns it with its secret, which is never shown again."""
    if for_organization:
        authorize(actor, "apikey.manage_org", Target(organization_id=actor.organization_id))
    else:
        authorize(actor, "apikey.manage_own")
    secret = secrets.token_urlsafe(32)
    app_key = APP_KEY_PREFIX + secrets.token_hex(10)
    expires = utcnow() + dt.timedelta(days=expires_days) if expires_days else None
    key = ApiKey(
        app_key=app_key,
        user_id=actor.user_id,
        name=name.strip()[:100],
        organization_id=actor.organization_id if for_organization else None,
        scopes=_check_scopes(scopes or ["data:read"]),
        secret_hash=_digest(settings, secret),
        hmac_secret_enc=_encrypt(settings, app_key, secret),
        expires_at=expires,
        rotated_from_id=rotated_from.id if rotated_from else None,
    )
    session.add(key)
    session.flush()
    audit_service.record(
        session,
        action="apikey.create",
        actor=actor,
        object_type="api_key",
        object_id=key.id,
        details={"app_key": app_key, "scopes": key.scopes, "organization": key.organization_id},
    )
    return key, secret


def _manageable(session: Session, actor: Actor, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    mine = key is not None and key.user_id == actor.user_id
    org_key = (
        key is not None
        and key.organization_id is not None
        and actor.role == "officer"
        and key.organization_id == actor.organization_id
    )
    if key is None or not (mine or org_key):
        raise NotFound("密钥不存在 (API key not found)")
    return key


def list_api_keys(session: Session, *, actor: Actor) -> list[ApiKey]:
    """The actor's keys, plus (officers) their organization's keys."""
    cond = ApiKey.user_id == (actor.user_id or -1)
    if actor.role == "officer" and actor.organization_id is not None:
        cond = or_(cond, ApiKey.organization_id == actor.organization_id)
    return list(session.scalars(select(ApiKey).where(cond).order_by(ApiKey.id.desc())).all())


def revoke_api_key(session: Session, *, actor: Actor, key_id: int) -> ApiKey:
    """Stop a key at once (idempotent)."""
    key = _manageable(session, actor, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit_service.record(
            session,
            action="apikey.revoke",
            actor=actor,
            object_type="api_key",
            object_id=key.id,
            details={"app_key": key.app_key},
        )
    return key


def rotate_api_key(
    session: Session, *, actor: Actor, settings: Settings, key_id: int
) -> tuple[ApiKey, str]:
    """Replace a key with a new AppKey and secret of the same scopes; the old one is revoked."""
    old = _manageable(session, actor, key_id)
    if old.revoked_at is not None:
        raise Conflict("已撤销的密钥不能轮换 (a revoked key cannot be rotated)")
    days = None
    if old.expires_at is not None:
        days = max(1, (old.expires_at - old.created_at).days)
    new, secret = create_api_key(
        session,
        actor=actor,
        settings=settings,
        name=old.name,
        scopes=list(old.scopes),
        expires_days=days,
        for_organization=old.organization_id is not None,
        rotated_from=old,
    )
    revoke_api_key(session, actor=actor, key_id=old.id)
    return new, secret


# --- authentication --------------------------------------------------------------------------


def canonical_query(query: str) -> str:
    """Query parameters sorted by name then value, RFC 3986 percent-encoded."""
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


def canonical_request(
    method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes
) -> str:
    """The signed text: method, path, sorted query, timestamp, nonce and SHA-256 of the body."""
    return "\n".join(
        [
            method.upper(),
            path,
            canonical_query(query),
            timestamp,
            nonce,
            hashlib.sha256(body).hexdigest(),
        ]
    )


def sign_request(
    secret: str,
    *,
    method: str,
    path: str,
    query: str = "",
    timestamp: str,
    nonce: str,
    body: bytes = b"",
) -> str:
    """The X-Kaifang-Signature value a client sends (documented for SDK authors)."""
    text = canonical_request(method, path, query, timestamp, nonce, body)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def _usable_key(session: Session, app_key: str, now: dt.datetime) -> tuple[ApiKey, User]:
    key = session.scalars(select(ApiKey).where(ApiKey.app_key == app_key)).first()
    if key is None or key.revoked_at is not None or (key.expires_at and key.expires_at <= now):
        raise NotAuthenticated(_INVALID)
    user = session.get(User, key.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated(_INVALID)
    return key, user


def _bearer(parts: RequestParts) -> tuple[str, str] | None:
    value = parts.header("authorization") or ""
    if not value.lower().startswith("bearer "):
        return None
    token = value[7:].strip()
    if not token.startswith(APP_KEY_PREFIX) or "." not in token:
        return None
    app_key, secret = token.split(".", 1)
    return app_key, secret


def _identity(key: ApiKey, user: User, scheme: str) -> KeyIdentity:
    return KeyIdentity(
        actor_for(user, via="api_key"), key.id, key.app_key, frozenset(key.scopes), scheme
    )


def _verify_hmac(
    session: Session, parts: RequestParts, settings: Settings, nonces: NonceStore, now: dt.datetime
) -> KeyIdentity:
    app_key = parts.header("x-kaifang-key") or ""
    stamp = parts.header("x-kaifang-timestamp") or ""
    nonce = parts.header("x-kaifang-nonce") or ""
    signature = (parts.header("x-kaifang-signature") or "").lower()
    if not stamp.isdigit() or abs(now.timestamp() - int(stamp)) > CLOCK_SKEW_SECONDS:
        raise NotAuthenticated("签名时间戳无效或超出允许偏差 (timestamp outside ±5 minutes)")
    if not _NONCE.match(nonce):
        raise NotAuthenticated("nonce 须为16-64位字母数字 (invalid nonce)")
    key, user = _usable_key(session, app_key, now)
    expected = sign_request(
        _decrypt(settings, key),
        method=parts.method,
        path=parts.path,
        query=parts.query,
        timestamp=stamp,
        nonce=nonce,
        body=parts.body,
    )
    if not hmac.compare_digest(expected, signature):
        raise NotAuthenticated("签名无效 (invalid signature)")
    # Recorded only after the signature checks out, so forgeries cannot burn real nonces.
    if not nonces.add_if_new(f"{key.app_key}:{nonce}", ttl=NONCE_TTL_SECONDS):
        raise NotAuthenticated("重复的请求 (replayed nonce)")
    return _identity(key, user, "hmac")


def identify_api_key(
    session: Session,
    parts: RequestParts,
    settings: Settings,
    *,
    nonces: NonceStore | None = None,
    now: dt.datetime | None = None,
) -> KeyIdentity | None:
    """The key behind a request; None without key credentials; NotAuthenticated when they fail."""
    now = now or utcnow()
    if parts.header("x-kaifang-key") is not None:
        return _verify_hmac(session, parts, settings, nonces or nonce_store_for(settings), now)
    bearer = _bearer(parts)
    if bearer is None:
        return None
    key, user = _usable_key(session, bearer[0], now)
    if not hmac.compare_digest(key.secret_hash, _digest(settings, bearer[1])):
        raise NotAuthenticated(_INVALID)
    return _identity(key, user, "bearer")


def authenticate_api_key(
    session: Session,
    request_parts: RequestParts,
    settings: Settings,
    *,
    nonces: NonceStore | None = None,
    now: dt.datetime | None = None,
) -> Actor | None:
    """The actor a developer key speaks for; None without key credentials; NotAuthenticated."""
    identity = identify_api_key(session, request_parts, settings, nonces=nonces, now=now)
    return identity.actor if identity else None


def require_scope(identity: KeyIdentity | None, scope: str) -> None:
    """Raise PermissionDenied when a key lacks ``scope`` (sessions and tokens are unscoped)."""
    if identity is not None and scope not in identity.scopes:
        raise PermissionDenied(
            f"该密钥缺少权限范围 {scope} (key lacks scope {scope})",
            details={"action": f"scope:{scope}", "scope": scope},
        )
