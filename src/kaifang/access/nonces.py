"""Nonce stores that refuse a signed request seen before (replay), each nonce kept for a TTL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from kaifang.config import Settings


class NonceStore(Protocol):
    """Remembers nonces for ``ttl`` seconds."""

    def add_if_new(self, nonce: str, *, ttl: int) -> bool:
        """Record ``nonce``; False when it was already recorded and has not expired."""
        ...


class MemoryNonceStore:
    """Nonces in this process (one web process); expired ones are swept as new ones arrive."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}
        self._next_sweep = 0.0

    def add_if_new(self, nonce: str, *, ttl: int) -> bool:
        """Record ``nonce``; False when it was already recorded and has not expired."""
        now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                self._seen = {n: t for n, t in self._seen.items() if t > now}
                self._next_sweep = now + 1.0
            expires = self._seen.get(nonce)
            if expires is not None and expires > now:
                return False
            self._seen[nonce] = now + ttl
            return True


class RedisNonceStore:
    """Nonces in Redis (SET NX EX), shared by every web process."""

    def __init__(self, client: Any, *, prefix: str = "kaifang:nonce:") -> None:
        self._client = client
        self._prefix = prefix

    def add_if_new(self, nonce: str, *, ttl: int) -> bool:
        """Record ``nonce``; False when it was already recorded and has not expired."""
        return bool(self._client.set(self._prefix + nonce, b"1", nx=True, ex=ttl))


_stores: dict[str, NonceStore] = {}
_stores_lock = threading.Lock()


def nonce_store_for(settings: Settings) -> NonceStore:
    """The process's store for these settings: Redis when a URL is given, else in memory."""
    key = settings.redis_url or "memory"
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            if settings.redis_url:
                import redis

                store = RedisNonceStore(redis.Redis.from_url(settings.redis_url))
            else:
                store = MemoryNonceStore()
            _stores[key] = store
        return store
