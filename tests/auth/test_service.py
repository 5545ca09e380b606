from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import SYSTEM
from kaifang.auth.models import LoginThrottle
from kaifang.codes import USCC_ALPHABET, uscc_check_char
from kaifang.errors import Conflict, InvalidInput, Locked, NotAuthenticated, PermissionDenied
from tests import factories


def _login(session: Session, username: str, password: str):  # type: ignore[no-untyped-def]
    user = auth_service.authenticate(
        session, username=username, password=password, max_failures=3, lockout_seconds=60
    )
    if user is None:
        raise NotAuthenticated(auth_service.GENERIC_LOGIN_ERROR)
    return user


def test_password_login_and_generic_failure(session: Session) -> None:
    user = factories.user(session, username="alice")
    assert _login(session, "alice", factories.PASSWORD).id == user.id
    with pytest.raises(NotAuthenticated) as wrong:
        _login(session, "alice", "nope-nope-nope")
    with pytest.raises(NotAuthenticated) as unknown:
        _login(session, "nobody", "nope-nope-nope")
    assert wrong.value.message == unknown.value.message


def test_lockout_after_repeated_failures_also_for_unknown_users(session: Session) -> None:
    factories.user(session, username="bob")
    for name in ("bob", "ghost"):
        for _ in range(3):
            with pytest.raises(NotAuthenticated):
                _login(session, name, "bad-password")
        with pytest.raises(Locked) as locked:
            _login(session, name, factories.PASSWORD)
        assert 0 < locked.value.retry_after <= 61
    throttle = session.get(LoginThrottle, "bob")
    assert throttle is not None
    throttle.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert _login(session, "bob", factories.PASSWORD).username == "bob"


def test_duplicate_username_conflicts(session: Session) -> None:
    factories.user(session, username="carol")
    with pytest.raises(Conflict):
        factories.user(session, username="carol")


@pytest.mark.parametrize("code", ["33100", "3310a", "00", "1234567"])
def test_invalid_region_code_names_the_field(session: Session, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        auth_service.create_region(session, code=code, name="x", parent_code=None)
    assert exc.value.details == {"field": "code"}


def test_organization_credit_code_checked(session: Session) -> None:
    factories.region(session, "3310")
    body = "91331000MA2ABCDE1"
    good = body + uscc_check_char(body)
    org = auth_service.create_organization(
        session, actor=SYSTEM, name="企业A", slug="qa", region_code="3310", uscc=good
    )
    assert org.uscc == good
    bad_char = USCC_ALPHABET[(USCC_ALPHABET.index(good[-1]) + 1) % 31]
    with pytest.raises(InvalidInput) as exc:
        auth_service.create_organization(
            session, actor=SYSTEM, name="企业B", slug="qb", region_code="3310", uscc=body + bad_char
        )
    assert exc.value.details == {"field": "uscc"}


def test_tokens_hashed_expire_and_revoke(session: Session) -> None:
    user = factories.user(session)
    token, raw = auth_service.create_token(session, user=user, actor=None, expires_days=1)
    assert raw not in token.token_hash and raw.startswith("kf_")
    assert auth_service.resolve_token(session, raw).id == user.id  # type: ignore[union-attr]
    token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert auth_service.resolve_token(session, raw) is None
    _t2, raw2 = auth_service.create_token(session, user=user, actor=None, expires_days=None)
    assert auth_service.revoke_token(session, actor=None, raw=raw2) == 1
    assert auth_service.resolve_token(session, raw2) is None


def test_tokens_are_personal(session: Session) -> None:
    alice, bob = factories.user(session), factories.user(session)
    with pytest.raises(PermissionDenied):
        auth_service.create_token(
            session, user=alice, actor=auth_service.actor_for(bob), expires_days=1
        )


def test_region_admin_cannot_create_users_elsewhere(session: Session) -> None:
    admin = factories.actor(session, role="admin", region_code="331002")
    other = factories.organization(session, region_code="331003")
    with pytest.raises(PermissionDenied):
        auth_service.create_user(
            session,
            actor=admin,
            username="zz-officer",
            password="x" * 10,
            role="officer",
            organization_id=other.id,
        )
    own = factories.organization(session, region_code="331002")
    created = auth_service.create_user(
        session,
        actor=admin,
        username="jj-officer",
        password="x" * 10,
        role="officer",
        organization_id=own.id,
    )
    assert created.organization_id == own.id


def test_sessions_rotate_and_end(session: Session) -> None:
    user = factories.user(session)
    first = auth_service.start_session(session, user=user, max_age_seconds=60)
    second = auth_service.start_session(session, user=user, max_age_seconds=60)
    assert first != second
    auth_service.end_session(session, first)
    assert auth_service.resolve_session(session, first) is None
    assert auth_service.resolve_session(session, second) is not None
