"""Token buckets (memory and Redis) and daily grant quotas."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy.orm import Session

from kaifang.access import quotas, service
from kaifang.access.schemas import GrantTermsIn
from kaifang.config import Settings
from kaifang.errors import RateLimited
from tests.access.conftest import World
from tests.access.helpers import approved


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _redis_limiter(clock: Clock) -> quotas.RedisRateLimiter:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis not reachable")
    return quotas.RedisRateLimiter(client, prefix=f"test:{uuid.uuid4().hex}:", clock=clock)


@pytest.fixture(params=["memory", "redis"])
def limiter_and_clock(request: pytest.FixtureRequest) -> tuple[quotas.RateLimiter, Clock]:
    clock = Clock()
    if request.param == "memory":
        return quotas.MemoryRateLimiter(clock=clock), clock
    return _redis_limiter(clock), clock


def test_bucket_empties_then_refills(limiter_and_clock: tuple[quotas.RateLimiter, Clock]) -> None:
    limiter, clock = limiter_and_clock
    states = [limiter.hit("k", capacity=3, per_seconds=60) for _ in range(4)]
    assert [s.allowed for s in states] == [True, True, True, False]
    assert [s.remaining for s in states] == [2, 1, 0, 0]
    assert states[-1].retry_after == 20 and states[-1].headers()["Retry-After"] == "20"
    assert states[2].headers() == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "60",
    }
    clock.now += 20
    assert limiter.hit("k", capacity=3, per_seconds=60).allowed
    assert not limiter.hit("k", capacity=3, per_seconds=60).allowed
    clock.now += 600
    assert limiter.hit("k", capacity=3, per_seconds=60).remaining == 2
    assert limiter.hit("other", capacity=3, per_seconds=60).remaining == 2


def test_enforce_uses_key_or_ip_buckets() -> None:
    clock = Clock()
    limiter = quotas.MemoryRateLimiter(clock=clock)
    settings = Settings(env="test", rate_limit_anonymous_per_minute=2)
    for _ in range(2):
        quotas.enforce_rate_limit(limiter, key_id=None, client_ip="10.1.1.1", settings=settings)
    with pytest.raises(RateLimited) as limited:
        quotas.enforce_rate_limit(limiter, key_id=None, client_ip="10.1.1.1", settings=settings)
    assert limited.value.retry_after == 30
    assert limited.value.details["RateLimit-Remaining"] == "0"
    state = quotas.enforce_rate_limit(
        limiter, key_id="ak_1", client_ip="10.1.1.1", settings=settings
    )
    assert state.limit == quotas.KEY_REQUESTS_PER_MINUTE


def test_rows_quota_refuses_once_used_up(session: Session, world: World) -> None:
    _app, grant = approved(
        session, world, terms=GrantTermsIn(dataset_id=world.dataset.id, rows_per_day=100)
    )
    noon = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)
    left = service.charge_grant(session, grant, rows=60, now=noon)
    assert left.rows_left == 40 and left.calls_left is None
    service.charge_grant(session, grant, rows=60, now=noon)
    with pytest.raises(RateLimited) as refused:
        service.charge_grant(session, grant, rows=1, now=noon)
    assert refused.value.retry_after == 12 * 3600
    next_day = noon + dt.timedelta(days=1)
    assert service.quota_remaining(session, grant, now=next_day).rows_left == 100
    service.charge_grant(session, grant, rows=5, now=next_day)
