"""The data-API rate limit behaves the same on the in-process and the Redis token bucket:
429 with Retry-After and RateLimit-* headers, per anonymous address and per API key."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.access import quotas
from kaifang.config import Settings
from kaifang.db import Database
from kaifang.web.apikeys import rate_limiter
from tests import factories
from tests.web.helpers import bearer

REDIS_URL = "redis://127.0.0.1:6379/15"
WHOAMI = "/api/v1/access/whoami"


def _redis_url_or_skip() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return REDIS_URL
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("CI must run Redis on 127.0.0.1:6379")
        pytest.skip("Redis not reachable on 127.0.0.1:6379")


@pytest.fixture(params=["memory", "redis"])
def limited(request: pytest.FixtureRequest, tmp_path: Path, db: Database) -> TestClient:
    from kaifang.app import create_app
    from kaifang.runtime import build_runtime

    settings = Settings(
        env="test",
        data_dir=tmp_path,
        secret_key="s" * 40,
        queue_backend="memory",
        redis_url=_redis_url_or_skip() if request.param == "redis" else "",
        rate_limit_anonymous_per_minute=3,
        rate_limit_key_per_minute=2,
        trusted_proxies=["testclient"],
    )
    runtime = build_runtime(settings, db=db)
    expected = quotas.RedisRateLimiter if request.param == "redis" else quotas.MemoryRateLimiter
    assert isinstance(rate_limiter(runtime), expected)
    return TestClient(create_app(runtime=runtime))


def _fresh_address() -> dict[str, str]:
    # Redis buckets outlive a test run: every run asks from an address never seen before.
    return {"x-forwarded-for": f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"}


def test_anonymous_bucket_answers_429_with_headers(limited: TestClient) -> None:
    address = _fresh_address()
    seen = [limited.get(WHOAMI, headers=address) for _ in range(3)]
    assert [r.status_code for r in seen] == [200, 200, 200]
    assert [r.headers["ratelimit-limit"] for r in seen] == ["3", "3", "3"]
    assert [r.headers["ratelimit-remaining"] for r in seen] == ["2", "1", "0"]
    assert all(0 < int(r.headers["ratelimit-reset"]) <= 60 for r in seen)
    refused = limited.get(WHOAMI, headers=address)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["retry-after"]) <= 20
    assert refused.headers["ratelimit-remaining"] == "0"
    assert limited.get(WHOAMI, headers=_fresh_address()).status_code == 200


def test_api_key_bucket_uses_the_key_limit(limited: TestClient, session: Session) -> None:
    user = factories.user(session)
    session.commit()
    headers = bearer(limited, user.username)
    created = limited.post("/api/v1/developer/keys", json={"name": "rl"}, headers=headers).json()
    key = {"authorization": f"Bearer {created['app_key']}.{created['secret']}"}
    seen = [limited.get(WHOAMI, headers=key) for _ in range(3)]
    assert [r.status_code for r in seen] == [200, 200, 429]
    assert seen[0].headers["ratelimit-limit"] == "2"
    assert int(seen[2].headers["retry-after"]) > 0
