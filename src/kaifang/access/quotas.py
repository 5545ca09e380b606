"""Rate limits (token buckets per key and per anonymous IP) and daily grant quotas.

The bucket store is in-process by default and Redis (one Lua script, atomic per key) when a
Redis URL is configured, so that several web processes share one budget. Client IPs must come
from ``kaifang.web.middleware.client_ip`` so that a forged X-Forwarded-For from an untrusted
peer cannot buy a fresh bucket.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kaifang.access.deadlines import CHINA_TZ, china_date
from kaifang.access.models import Grant, GrantUsage
from kaifang.access.rules import DEFAULT_RULES
from kaifang.config import Settings
from kaifang.db import utcnow
from kaifang.errors import RateLimited

# Default of KAIFANG_RATE_LIMIT_KEY_PER_MINUTE (anonymous: rate_limit_anonymous_per_minute).
KEY_REQUESTS_PER_MINUTE = DEFAULT_RULES.key_requests_per_minute
MAX_MEMORY_BUCKETS = 100_000


@dataclass(frozen=True)
class RateLimitState:
    """The outcome of taking from a bucket, with the values of the RateLimit-* headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        """Header values for the web layer (draft-ietf-httpapi-ratelimit-headers names)."""
        out = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after)
        return out


def _state(tokens: float, allowed: bool, capacity: int, rate: float, cost: int) -> RateLimitState:
    reset = math.ceil((capacity - tokens) / rate) if tokens < capacity else 0
    retry = 0 if allowed else max(1, math.ceil((cost - tokens) / rate))
    return RateLimitState(allowed, capacity, max(0, math.floor(tokens)), reset, retry)


class RateLimiter(Protocol):
    """A token-bucket store: ``capacity`` tokens refilled evenly over ``per_seconds``."""

    def hit(self, key: str, *, capacity: int, per_seconds: float, cost: int = 1) -> RateLimitState:
        """Take ``cost`` tokens from the bucket of ``key`` if it has them."""
        ...


class MemoryRateLimiter:
    """Buckets in this process; the right choice for one web process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def hit(self, key: str, *, capacity: int, per_seconds: float, cost: int = 1) -> RateLimitState:
        """Take ``cost`` tokens from the bucket of ``key`` if it has them."""
        rate = capacity / per_seconds
        with self._lock:
            now = self._clock()
            tokens, updated = self._buckets.get(key, (float(capacity), now))
            tokens = min(float(capacity), tokens + max(0.0, now - updated) * rate)
            allowed = tokens >= cost
            if allowed:
                tokens -= cost
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > MAX_MEMORY_BUCKETS:
                self._prune(now, rate, capacity)
        return _state(tokens, allowed, capacity, rate, cost)

    def _prune(self, now: float, rate: float, capacity: int) -> None:
        # A bucket that has refilled completely carries no information: forget it.
        full = [k for k, (t, u) in self._buckets.items() if t + (now - u) * rate >= capacity]
        for key in full:
            del self._buckets[key]


_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1]) or capacity
local ts = tonumber(data[2]) or now
if now > ts then tokens = math.min(capacity, tokens + (now - ts) * rate) end
local allowed = 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {allowed, tostring(tokens)}
"""


class RedisRateLimiter:
    """Buckets in Redis, shared by every process; each hit is one atomic script call."""

    def __init__(
        self, client: Any, *, prefix: str = "kaifang:rl:", clock: Callable[[], float] = time.time
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._clock = clock
        self._script = client.register_script(_BUCKET_LUA)

    def hit(self, key: str, *, capacity: int, per_seconds: float, cost: int = 1) -> RateLimitState:
        """Take ``cost`` tokens from the bucket of ``key`` if it has them."""
        rate = capacity / per_seconds
        allowed, tokens = self._script(
            keys=[self._prefix + key], args=[capacity, repr(rate), repr(self._clock()), cost]
        )
        return _state(float(tokens), bool(int(allowed)), capacity, rate, cost)


def make_rate_limiter(settings: Settings) -> RateLimiter:
    """Redis-backed when ``settings.redis_url`` is set, else in-process."""
    if settings.redis_url:
        import redis

        return RedisRateLimiter(redis.Redis.from_url(settings.redis_url))
    return MemoryRateLimiter()


def enforce_rate_limit(
    limiter: RateLimiter, *, key_id: str | None, client_ip: str, settings: Settings
) -> RateLimitState:
    """Charge one request to its key's bucket (or its IP's when anonymous); raises RateLimited."""
    if key_id is not None:
        bucket, capacity = f"key:{key_id}", settings.rate_limit_key_per_minute
    else:
        bucket, capacity = f"ip:{client_ip}", settings.rate_limit_anonymous_per_minute
    state = limiter.hit(bucket, capacity=capacity, per_seconds=60.0)
    if not state.allowed:
        raise RateLimited(
            "请求过于频繁，请稍后再试 (rate limit exceeded)",
            retry_after=state.retry_after,
            details=state.headers(),
        )
    return state


# --- daily grant quotas ----------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaState:
    """What is left of a grant's daily quota (None = unlimited)."""

    calls_left: int | None
    rows_left: int | None


def _seconds_to_midnight(now: dt.datetime) -> int:
    local = now.astimezone(CHINA_TZ)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), CHINA_TZ)
    return max(1, math.ceil((midnight - local).total_seconds()))


def _usage_row(session: Session, grant_id: int, day: dt.date) -> GrantUsage:
    found = session.scalars(
        select(GrantUsage).where(GrantUsage.grant_id == grant_id, GrantUsage.day == day)
    ).first()
    if found is not None:
        return found
    row = GrantUsage(grant_id=grant_id, day=day, calls=0, rows=0)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another request created today's row first; use theirs.
        return session.scalars(
            select(GrantUsage).where(GrantUsage.grant_id == grant_id, GrantUsage.day == day)
        ).one()
    return row


def quota_remaining(
    session: Session, grant: Grant, *, now: dt.datetime | None = None
) -> QuotaState:
    """Calls and rows left today, to cap a page before serving it."""
    usage = _usage_row(session, grant.id, china_date(now or utcnow()))
    calls = None if grant.calls_per_day is None else max(0, grant.calls_per_day - usage.calls)
    rows = None if grant.rows_per_day is None else max(0, grant.rows_per_day - usage.rows)
    return QuotaState(calls, rows)


def charge_grant(
    session: Session,
    grant: Grant,
    rows: int = 0,
    *,
    calls: int = 1,
    now: dt.datetime | None = None,
) -> QuotaState:
    """Count a call and its rows against today's quota; RateLimited when calls or rows ran out.

    The check and the increment are one conditional UPDATE, so concurrent calls cannot both
    take the last unit. A call is refused once the rows are used up; the rows of the call that
    crosses the limit are still counted (cap the page with ``quota_remaining`` first).
    """
    now = now or utcnow()
    usage = _usage_row(session, grant.id, china_date(now))
    stmt = update(GrantUsage).where(GrantUsage.id == usage.id)
    if grant.calls_per_day is not None:
        stmt = stmt.where(GrantUsage.calls + calls <= grant.calls_per_day)
    if grant.rows_per_day is not None:
        stmt = stmt.where(GrantUsage.rows < grant.rows_per_day)
    result = session.execute(
        stmt.values(calls=GrantUsage.calls + calls, rows=GrantUsage.rows + rows).execution_options(
            synchronize_session=False
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise RateLimited(
            "授权当日调用额度已用完 (daily grant quota exhausted)",
            retry_after=_seconds_to_midnight(now),
            details={
                "grant_id": grant.id,
                "calls_per_day": grant.calls_per_day,
                "rows_per_day": grant.rows_per_day,
            },
        )
    session.refresh(usage)
    return quota_remaining(session, grant, now=now)
