"""Use cases for tenancy, accounts, sign-in, sessions and API tokens. Callers own the transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import (
    ROLES,
    ApiToken,
    LoginThrottle,
    Organization,
    Region,
    User,
    WebSession,
)
from kaifang.auth.passwords import hash_password, verify_password
from kaifang.auth.policy import Target, can
from kaifang.codes import is_valid_region_code, is_valid_uscc
from kaifang.db import utcnow
from kaifang.errors import (
    Conflict,
    InvalidInput,
    Locked,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)

_USERNAME = re.compile(r"^[A-Za-z0-9_.@\-]{3,150}$")
TOKEN_PREFIX = "kf_"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def actor_for(user: User, *, via: str = "session") -> Actor:
    """The policy's view of a user."""
    org = user.organization
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,
        organization_id=user.organization_id,
        organization_region=org.region_code if org else None,
        region_scope=user.region_code if user.role in ("reviewer", "admin", "auditor") else None,
        via=via,
    )


def authorize(actor: Actor, action: str, target: Any = None) -> None:
    """Raise PermissionDenied (carrying what was attempted, for the audit log) unless allowed."""
    if can(actor, action, target):
        return
    if not actor.is_authenticated:
        raise NotAuthenticated("请先登录 (sign in first)", details={"action": action})
    raise PermissionDenied(
        "无权执行此操作 (you may not do this)",
        details={"action": action, "object_id": str(getattr(target, "id", "") or "")},
    )


# --- regions and organizations -------------------------------------------------------------


def create_region(session: Session, *, code: str, name: str, parent_code: str | None) -> Region:
    """Add a division; raises InvalidInput for a malformed code or unknown parent."""
    if not is_valid_region_code(code):
        raise InvalidInput("行政区划代码无效 (invalid region code)", details={"field": "code"})
    if parent_code and session.get(Region, parent_code) is None:
        raise InvalidInput(
            "上级行政区划不存在 (unknown parent region)", details={"field": "parent_code"}
        )
    region = Region(code=code, name=name, parent_code=parent_code, level=_region_level(code))
    session.add(region)
    return region


def _region_level(code: str) -> int:
    return {2: 1, 4: 2, 6: 3, 9: 4, 12: 5}.get(len(code), 0)


def get_region(session: Session, code: str) -> Region:
    region = session.get(Region, code)
    if region is None:
        raise NotFound("行政区划不存在 (region not found)", details={"field": "region_code"})
    return region


def list_regions(session: Session, *, parent_code: str | None = None) -> list[Region]:
    stmt = select(Region).order_by(Region.code)
    if parent_code is not None:
        stmt = stmt.where(Region.parent_code == parent_code)
    return list(session.scalars(stmt).all())


def create_organization(
    session: Session,
    *,
    actor: Actor,
    name: str,
    slug: str,
    region_code: str,
    uscc: str | None = None,
    kind: str = "department",
    is_demo: bool = False,
) -> Organization:
    """Register an organization in a region; raises InvalidInput/Conflict/PermissionDenied."""
    if uscc is not None and not is_valid_uscc(uscc):
        raise InvalidInput(
            "统一社会信用代码校验失败 (invalid unified social credit code)",
            details={"field": "uscc"},
        )
    get_region(session, region_code)
    authorize(actor, "organization.manage", Target(region_code=region_code))
    org = Organization(
        name=name, slug=slug, region_code=region_code, uscc=uscc, kind=kind, is_demo=is_demo
    )
    _add_unique(session, org, "机构名称或代码已存在 (organization exists)")
    audit_service.record(
        session,
        action="organization.create",
        actor=actor,
        object_type="organization",
        object_id=org.id,
        details={"name": name, "region": region_code},
    )
    return org


def _add_unique(session: Session, obj: Any, message: str) -> None:
    session.add(obj)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(message) from None


def get_organization(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("机构不存在 (organization not found)")
    return org


def find_organization(session: Session, ref: str) -> Organization:
    """By id, slug or exact name."""
    stmt = select(Organization).where((Organization.slug == ref) | (Organization.name == ref))
    if ref.isdigit():
        stmt = select(Organization).where(Organization.id == int(ref))
    org = session.scalars(stmt).first()
    if org is None:
        raise NotFound("机构不存在 (organization not found)", details={"field": "org"})
    return org


def list_organizations(session: Session, *, region_prefix: str | None = None) -> list[Organization]:
    stmt = select(Organization).order_by(Organization.id)
    if region_prefix:
        stmt = stmt.where(Organization.region_code.startswith(region_prefix))
    return list(session.scalars(stmt).all())


# --- users -----------------------------------------------------------------------------------


def create_user(
    session: Session,
    *,
    actor: Actor | None,
    username: str,
    password: str,
    role: str = "user",
    organization_id: int | None = None,
    region_code: str | None = None,
    display_name: str = "",
    account_kind: str = "individual",
    company_uscc: str | None = None,
    is_demo: bool = False,
) -> User:
    """Create an account; ``actor`` None means self-registration or a trusted command line."""
    _validate_user_fields(session, username, password, role, organization_id, region_code)
    if account_kind == "organization" and not (company_uscc and is_valid_uscc(company_uscc)):
        raise InvalidInput(
            "统一社会信用代码校验失败 (invalid unified social credit code)",
            details={"field": "company_uscc"},
        )
    if actor is not None and actor.role != "system":
        target_region = region_code or _org_region(session, organization_id)
        authorize(actor, "user.manage", _user_target(target_region))
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        organization_id=organization_id,
        region_code=region_code,
        display_name=display_name or username,
        account_kind=account_kind,
        company_uscc=company_uscc,
        is_demo=is_demo,
    )
    _add_unique(session, user, "用户名已被占用 (username taken)")
    audit_service.record(
        session,
        action="user.create",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={"username": username, "role": role, "org": organization_id, "region": region_code},
    )
    return user


def _user_target(region: str | None) -> Any:
    return Target(region_code=region)


def _org_region(session: Session, organization_id: int | None) -> str | None:
    return get_organization(session, organization_id).region_code if organization_id else None


def _validate_user_fields(
    session: Session,
    username: str,
    password: str,
    role: str,
    organization_id: int | None,
    region_code: str | None,
) -> None:
    if not _USERNAME.match(username):
        raise InvalidInput(
            "用户名须为3-150位字母、数字或 _.@- (invalid username)", details={"field": "username"}
        )
    if len(password) < 8:
        raise InvalidInput("密码至少8位 (password too short)", details={"field": "password"})
    if role not in ROLES:
        raise InvalidInput(f"未知角色 (unknown role) {role!r}", details={"field": "role"})
    if role == "officer" and organization_id is None:
        raise InvalidInput(
            "数据专员必须属于一个机构 (officer needs --org)", details={"field": "org"}
        )
    if organization_id is not None:
        get_organization(session, organization_id)
    if region_code is not None:
        if not is_valid_region_code(region_code):
            raise InvalidInput(
                "行政区划代码无效 (invalid region code)", details={"field": "region"}
            )
        get_region(session, region_code)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在 (user not found)")
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def list_users(session: Session, *, actor: Actor) -> list[User]:
    authorize(actor, "user.manage", _user_target(actor.region_scope))
    stmt = select(User).order_by(User.id)
    return [u for u in session.scalars(stmt).all() if _user_visible_to(actor, u)]


def _user_visible_to(actor: Actor, user: User) -> bool:
    region = user.region_code or (user.organization.region_code if user.organization else None)
    return actor.region_scope is None or (region or "").startswith(actor.region_scope)


# --- sign-in ---------------------------------------------------------------------------------

GENERIC_LOGIN_ERROR = "用户名或密码错误 (wrong username or password)"


def authenticate(
    session: Session, *, username: str, password: str, max_failures: int, lockout_seconds: int
) -> User | None:
    """Check credentials; None on failure (counted and audited, so the caller must commit).

    Raises Locked while the username is locked. The caller answers every failure with the same
    message, so nobody learns whether an account exists.
    """
    throttle = session.get(LoginThrottle, username) or LoginThrottle(username=username, failures=0)
    now = utcnow()
    if throttle.locked_until and throttle.locked_until > now:
        retry = int((throttle.locked_until - now).total_seconds()) + 1
        raise Locked("账户已临时锁定 (account temporarily locked)", retry_after=retry)
    user = find_user(session, username)
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.is_active:
        throttle.failures, throttle.locked_until = 0, None
        session.merge(throttle)
        audit_service.record(
            session,
            action="auth.login",
            actor=actor_for(user),
            object_type="user",
            object_id=user.id,
        )
        return user
    _register_failure(session, throttle, now, max_failures, lockout_seconds)
    audit_service.record(
        session, action="auth.login", outcome="denied", details={"username": username[:150]}
    )
    return None


def _register_failure(
    session: Session, throttle: LoginThrottle, now: dt.datetime, max_failures: int, lockout: int
) -> None:
    throttle.failures = (throttle.failures or 0) + 1
    if throttle.failures >= max_failures:
        throttle.locked_until = now + dt.timedelta(seconds=lockout)
        throttle.failures = 0
    session.merge(throttle)


def start_session(session: Session, *, user: User, max_age_seconds: int) -> str:
    """Create a browser session and return the cookie value (a fresh id each sign-in)."""
    raw = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=_sha256(raw),
            user_id=user.id,
            expires_at=utcnow() + dt.timedelta(seconds=max_age_seconds),
        )
    )
    return raw


def resolve_session(session: Session, raw: str) -> User | None:
    row = session.get(WebSession, _sha256(raw))
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user and user.is_active else None


def end_session(session: Session, raw: str) -> None:
    row = session.get(WebSession, _sha256(raw))
    if row is not None:
        user = session.get(User, row.user_id)
        session.delete(row)
        session.flush()
        if user is not None:
            audit_service.record(
                session,
                action="auth.logout",
                actor=actor_for(user),
                object_type="user",
                object_id=user.id,
            )


# --- API tokens ------------------------------------------------------------------------------


def create_token(
    session: Session, *, user: User, actor: Actor | None, name: str = "", expires_days: int | None
) -> tuple[ApiToken, str]:
    """Issue a token; the plain value is returned once and only its hash is stored."""
    if actor is not None and actor.role != "system" and actor.user_id != user.id:
        raise PermissionDenied("只能为自己创建令牌 (tokens are personal)")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(days=expires_days) if expires_days else None
    token = ApiToken(
        user_id=user.id, name=name, token_hash=_sha256(raw), prefix=raw[:10], expires_at=expires
    )
    session.add(token)
    session.flush()
    audit_service.record(
        session,
        action="token.create",
        actor=actor or actor_for(user),
        object_type="api_token",
        object_id=token.id,
        details={"user": user.username, "expires_days": expires_days},
    )
    return token, raw


def resolve_token(session: Session, raw: str) -> User | None:
    """The user behind a token, or None when unknown, expired or revoked."""
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == _sha256(raw))).first()
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = session.get(User, token.user_id)
    return user if user and user.is_active else None


def revoke_token(
    session: Session,
    *,
    actor: Actor | None,
    token_id: int | None = None,
    raw: str | None = None,
    username: str | None = None,
) -> int:
    """Revoke one token (by id or value) or all of a user's tokens; returns how many."""
    stmt = select(ApiToken).where(ApiToken.revoked_at.is_(None))
    if token_id is not None:
        stmt = stmt.where(ApiToken.id == token_id)
    elif raw is not None:
        stmt = stmt.where(ApiToken.token_hash == _sha256(raw))
    elif username is not None:
        user = find_user(session, username)
        if user is None:
            raise NotFound("用户不存在 (user not found)")
        stmt = stmt.where(ApiToken.user_id == user.id)
    else:
        raise InvalidInput("需指定令牌 (name a token)")
    tokens = list(session.scalars(stmt).all())
    for token in tokens:
        if actor is not None and actor.role != "system" and actor.user_id != token.user_id:
            raise PermissionDenied("只能撤销自己的令牌 (tokens are personal)")
        token.revoked_at = utcnow()
        audit_service.record(
            session, action="token.revoke", actor=actor, object_type="api_token", object_id=token.id
        )
    return len(tokens)


def list_tokens(session: Session, *, user_id: int) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    return list(session.scalars(stmt).all())
