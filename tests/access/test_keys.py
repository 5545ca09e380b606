"""Developer keys: hashed storage, bearer use, HMAC signatures (valid, expired, replayed,
tampered), rotation, revocation and scopes."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kaifang.access import service
from kaifang.access.keys import RequestParts, canonical_query
from kaifang.access.models import ApiKey
from kaifang.access.nonces import MemoryNonceStore, RedisNonceStore, nonce_store_for
from kaifang.config import Settings
from kaifang.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from tests import factories
from tests.access.conftest import World

NOW = dt.datetime(2026, 5, 6, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(env="test", data_dir=tmp_path, secret_key="k" * 40)


def _signed(
    app_key: str,
    secret: str,
    *,
    body: bytes = b'{"a":1}',
    when: dt.datetime = NOW,
    nonce: str | None = None,
) -> RequestParts:
    stamp, nonce = str(int(when.timestamp())), nonce or secrets.token_hex(12)
    signature = service.sign_request(
        secret,
        method="POST",
        path="/api/v1/data/7",
        query="b=2&a=1&a=0",
        timestamp=stamp,
        nonce=nonce,
        body=body,
    )
    headers = {
        "x-kaifang-key": app_key,
        "x-kaifang-timestamp": stamp,
        "x-kaifang-nonce": nonce,
        "x-kaifang-signature": signature,
    }
    return RequestParts("POST", "/api/v1/data/7", "b=2&a=1&a=0", headers, body)


def _auth(
    session: Session,
    parts: RequestParts,
    settings: Settings,
    nonces: MemoryNonceStore,
    now: dt.datetime = NOW,
):  # type: ignore[no-untyped-def]
    return service.authenticate_api_key(session, parts, settings, nonces=nonces, now=now)


def test_secret_is_stored_hashed_and_bearer_works(
    session: Session, world: World, settings: Settings
) -> None:
    key, secret = service.create_api_key(
        session, actor=world.applicant, settings=settings, name="研究平台", scopes=["data:read"]
    )
    assert secret not in key.secret_hash and secret.encode() not in key.hmac_secret_enc
    parts = RequestParts("GET", "/x", headers={"authorization": f"Bearer {key.app_key}.{secret}"})
    actor = service.authenticate_api_key(session, parts, settings, now=NOW)
    assert actor is not None and actor.user_id == world.applicant.user_id
    assert actor.via == "api_key"
    wrong = RequestParts("GET", "/x", headers={"authorization": f"Bearer {key.app_key}.nope"})
    with pytest.raises(NotAuthenticated):
        service.authenticate_api_key(session, wrong, settings, now=NOW)
    other = RequestParts("GET", "/x", headers={"authorization": "Bearer kf_personal_token"})
    assert service.authenticate_api_key(session, other, settings) is None
    assert service.authenticate_api_key(session, RequestParts("GET", "/x"), settings) is None


def test_hmac_valid_expired_replayed_tampered(
    session: Session, world: World, settings: Settings
) -> None:
    key, secret = service.create_api_key(session, actor=world.applicant, settings=settings)
    nonces = MemoryNonceStore()
    good = _signed(key.app_key, secret)
    assert _auth(session, good, settings, nonces).user_id == world.applicant.user_id
    with pytest.raises(NotAuthenticated, match="replayed"):
        _auth(session, good, settings, nonces)
    stale = _signed(key.app_key, secret, when=NOW - dt.timedelta(minutes=6))
    with pytest.raises(NotAuthenticated, match="timestamp"):
        _auth(session, stale, settings, nonces)
    skewed = _signed(key.app_key, secret, when=NOW + dt.timedelta(minutes=4))
    assert _auth(session, skewed, settings, nonces) is not None
    tampered = _signed(key.app_key, secret)
    tampered = RequestParts(
        tampered.method, tampered.path, tampered.query, tampered.headers, b'{"a":2}'
    )
    with pytest.raises(NotAuthenticated, match="signature"):
        _auth(session, tampered, settings, nonces)
    moved = _signed(key.app_key, secret)
    moved = RequestParts(moved.method, "/api/v1/data/8", moved.query, moved.headers, moved.body)
    with pytest.raises(NotAuthenticated, match="signature"):
        _auth(session, moved, settings, nonces)


def test_forged_signature_does_not_burn_the_nonce(
    session: Session, world: World, settings: Settings
) -> None:
    key, secret = service.create_api_key(session, actor=world.applicant, settings=settings)
    nonces = MemoryNonceStore()
    real = _signed(key.app_key, secret, nonce="n" * 20)
    forged = dict(real.headers or {}, **{"x-kaifang-signature": "0" * 64})
    with pytest.raises(NotAuthenticated):
        _auth(
            session,
            RequestParts("POST", real.path, real.query, forged, real.body),
            settings,
            nonces,
        )
    assert _auth(session, real, settings, nonces) is not None


def test_rotation_and_revocation(session: Session, world: World, settings: Settings) -> None:
    old, old_secret = service.create_api_key(
        session, actor=world.applicant, settings=settings, scopes=["data:read", "catalog:read"]
    )
    new, new_secret = service.rotate_api_key(
        session, actor=world.applicant, settings=settings, key_id=old.id
    )
    assert new.rotated_from_id == old.id and new.scopes == ["catalog:read", "data:read"]
    nonces = MemoryNonceStore()
    with pytest.raises(NotAuthenticated):
        _auth(session, _signed(old.app_key, old_secret), settings, nonces)
    assert _auth(session, _signed(new.app_key, new_secret), settings, nonces) is not None
    with pytest.raises(NotFound):
        service.revoke_api_key(session, actor=world.stranger, key_id=new.id)
    service.revoke_api_key(session, actor=world.applicant, key_id=new.id)
    with pytest.raises(NotAuthenticated):
        _auth(session, _signed(new.app_key, new_secret), settings, nonces)


def test_expired_key_and_changed_server_secret(
    session: Session, world: World, settings: Settings, tmp_path: Path
) -> None:
    key, secret = service.create_api_key(
        session, actor=world.applicant, settings=settings, expires_days=1
    )
    later = NOW + dt.timedelta(days=400)
    with pytest.raises(NotAuthenticated):
        _auth(
            session,
            _signed(key.app_key, secret, when=later),
            settings,
            MemoryNonceStore(),
            now=later,
        )
    other = Settings(env="test", data_dir=tmp_path, secret_key="z" * 40)
    with pytest.raises(NotAuthenticated):
        _auth(session, _signed(key.app_key, secret), other, MemoryNonceStore())


def test_scopes(session: Session, world: World, settings: Settings) -> None:
    with pytest.raises(InvalidInput):
        service.create_api_key(session, actor=world.applicant, settings=settings, scopes=["root"])
    key, secret = service.create_api_key(session, actor=world.applicant, settings=settings)
    parts = RequestParts("GET", "/x", headers={"authorization": f"Bearer {key.app_key}.{secret}"})
    identity = service.identify_api_key(session, parts, settings)
    assert identity is not None and identity.scopes == {"data:read"}
    service.require_scope(identity, "data:read")
    with pytest.raises(PermissionDenied):
        service.require_scope(identity, "catalog:write")
    service.require_scope(None, "catalog:write")


def test_organization_keys_are_managed_by_its_officers(
    session: Session, world: World, settings: Settings
) -> None:
    with pytest.raises(PermissionDenied):
        service.create_api_key(
            session, actor=world.applicant, settings=settings, for_organization=True
        )
    key, _ = service.create_api_key(
        session, actor=world.officer, settings=settings, for_organization=True
    )
    colleague = factories.actor(session, role="officer", org=world.provider)
    assert [k.id for k in service.list_api_keys(session, actor=colleague)] == [key.id]
    assert service.list_api_keys(session, actor=world.other_officer) == []
    service.revoke_api_key(session, actor=colleague, key_id=key.id)
    assert session.get(ApiKey, key.id).revoked_at is not None  # type: ignore[union-attr]


def test_canonical_query_sorts_and_encodes() -> None:
    assert canonical_query("b=2&a=1&a=0&c=x y&d=") == "a=0&a=1&b=2&c=x%20y&d="
    assert canonical_query("name=台州") == "name=%E5%8F%B0%E5%B7%9E"


def test_nonce_stores_expire_and_are_shared_per_settings(tmp_path: Path) -> None:
    now = [0.0]
    store = MemoryNonceStore(clock=lambda: now[0])
    assert store.add_if_new("a", ttl=10) and not store.add_if_new("a", ttl=10)
    now[0] = 11.0
    assert store.add_if_new("a", ttl=10)
    memory = Settings(env="test", data_dir=tmp_path)
    assert nonce_store_for(memory) is nonce_store_for(memory)


def test_redis_nonce_store() -> None:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis not reachable")
    store = RedisNonceStore(client, prefix=f"test:{secrets.token_hex(6)}:")
    assert store.add_if_new("n1", ttl=5) and not store.add_if_new("n1", ttl=5)
