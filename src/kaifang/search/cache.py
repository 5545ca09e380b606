"""A per-process cache of public search results, keyed on the index's change token.

Counting facets over a broad query (a word found in half of a 100,000-dataset catalogue)
costs hundreds of milliseconds on either database, and the public asks the same questions
again and again. Like a search engine's request cache, this keeps the page of ids, the total
and the facet counts of recent searches by visitors who see only published entries (so every
such visitor shares one answer), and drops all of them as soon as the index changes: each
lookup first reads the one-row token that every index write replaces, in the same
transaction as the search would run. Result cards and labels are still read per request.
Officers, reviewers and admins see drafts of their own scope and are never served from here.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kaifang.search.models import SearchState

STATE_ID = 1
CACHE_KEY = "search_result_cache"
Value = TypeVar("Value")


def current_token(session: Session) -> str | None:
    """The index's change token as this transaction sees it (None before the first write)."""
    return session.scalar(select(SearchState.token).where(SearchState.id == STATE_ID))


def touch(session: Session) -> None:
    """Mark the index changed: every cached result becomes unreachable once this commits."""
    token = uuid.uuid4().hex
    changed = session.execute(
        update(SearchState).where(SearchState.id == STATE_ID).values(token=token)
    )
    if not getattr(changed, "rowcount", 1):
        session.add(SearchState(id=STATE_ID, token=token))
        session.flush()


class ResultCache(Generic[Value]):
    """A bounded, thread-safe LRU of values keyed by (database, change token, query key)."""

    def __init__(self, max_entries: int, ttl_seconds: float):
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[float, Value]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.ttl_seconds > 0

    def get_or_compute(
        self, session: Session, key: Hashable, compute: Callable[[], Value]
    ) -> Value:
        """The cached value for ``key`` under the current token, else ``compute()`` stored."""
        if not self.enabled:
            return compute()
        token = current_token(session)
        if token is None:  # an index nobody has written yet: nothing worth keeping
            return compute()
        full_key = (str(session.get_bind().engine.url), token, key)
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(full_key)
            if found is not None and found[0] > now:
                self._entries.move_to_end(full_key)
                self.hits += 1
                return found[1]
            self.misses += 1
        value = compute()
        with self._lock:
            self._entries[full_key] = (now + self.ttl_seconds, value)
            self._entries.move_to_end(full_key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


def process_cache(
    extras: dict[str, Any], *, max_entries: int, ttl_seconds: float
) -> ResultCache[Any]:
    """The process's search result cache kept in ``extras`` (created on first use)."""
    cache: ResultCache[Any] | None = extras.get(CACHE_KEY)
    if cache is None:
        cache = extras.setdefault(CACHE_KEY, ResultCache(max_entries, ttl_seconds))
    return cache
