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

import logging
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kaifang.search.models import SearchState

log = logging.getLogger(__name__)
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
    """A bounded, thread-safe LRU of values keyed by (database, change token, query key).

    With a ``reader`` (a factory of read-only sessions), the first lookup that sees a new
    token recomputes the ``refresh_top`` most asked-for keys in the background, so the
    popular broad searches stay answered from memory although every catalogue edit empties
    the cache (refresh-ahead).
    """

    def __init__(
        self,
        max_entries: int,
        ttl_seconds: float,
        *,
        reader: Callable[[], AbstractContextManager[Session]] | None = None,
        refresh_top: int = 0,
        spawn: Callable[[Callable[[], None]], None] | None = None,
    ):
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self.refresh_top = refresh_top if reader is not None else 0
        self.hits = 0
        self.misses = 0
        self.refreshed = 0
        self._reader = reader
        self._spawn = spawn or _in_thread
        self._entries: OrderedDict[Hashable, tuple[float, Value]] = OrderedDict()
        self._asked: Counter[tuple[str, Hashable]] = Counter()
        self._computes: dict[tuple[str, Hashable], Callable[[Session], Value]] = {}
        self._tokens: dict[str, str] = {}
        self._refreshing: set[str] = set()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.ttl_seconds > 0

    def get_or_compute(
        self, session: Session, key: Hashable, compute: Callable[[Session], Value]
    ) -> Value:
        """The cached value for ``key`` under the current token, else ``compute(session)`` stored.

        ``compute`` must depend on nothing but the session it is given (it may be run again
        later, with another session, to refresh the entry).
        """
        if not self.enabled:
            return compute(session)
        token = current_token(session)
        if token is None:  # an index nobody has written yet: nothing worth keeping
            return compute(session)
        database = str(session.get_bind().engine.url)
        full_key = (database, token, key)
        now = time.monotonic()
        with self._lock:
            self._note_asked(database, key, compute)
            changed = self._tokens.setdefault(database, token) != token
            self._tokens[database] = token
            found = self._entries.get(full_key)
            if found is not None and found[0] > now:
                self._entries.move_to_end(full_key)
                self.hits += 1
                return found[1]
            self.misses += 1
        if changed:
            self._start_refresh(database)
        value = compute(session)
        self._store(full_key, value)
        return value

    def _note_asked(
        self, database: str, key: Hashable, compute: Callable[[Session], Value]
    ) -> None:
        asked = (database, key)
        self._asked[asked] += 1
        self._computes[asked] = compute
        if len(self._asked) > 4 * max(self.max_entries, 1):
            # Forget the rarely asked; halve the rest so popularity follows recent use.
            kept = self._asked.most_common(self.max_entries)
            self._asked = Counter({k: max(n // 2, 1) for k, n in kept})
            self._computes = {k: self._computes[k] for k in self._asked}

    def _store(self, full_key: Hashable, value: Value) -> None:
        with self._lock:
            self._entries[full_key] = (time.monotonic() + self.ttl_seconds, value)
            self._entries.move_to_end(full_key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def _start_refresh(self, database: str) -> None:
        with self._lock:
            if not self.refresh_top or database in self._refreshing:
                return
            self._refreshing.add(database)
            wanted = [
                (key, self._computes[(db, key)])
                for (db, key), _ in self._asked.most_common()
                if db == database
            ][: self.refresh_top]
        self._spawn(lambda: self._refresh(database, wanted))

    def _refresh(
        self, database: str, wanted: list[tuple[Hashable, Callable[[Session], Value]]]
    ) -> None:
        assert self._reader is not None
        try:
            with self._reader() as session:
                token = current_token(session)
                for key, compute in wanted:
                    full_key = (database, token, key)
                    with self._lock:
                        if full_key in self._entries:
                            continue
                    self._store(full_key, compute(session))
                    self.refreshed += 1
        except Exception:  # a refresh is an optimisation: visitors still get answers
            log.exception("refreshing popular searches failed")
        finally:
            with self._lock:
                self._refreshing.discard(database)

    def __len__(self) -> int:
        return len(self._entries)


def _in_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="search-cache-refresh", daemon=True).start()


def process_cache(
    extras: dict[str, Any],
    *,
    max_entries: int,
    ttl_seconds: float,
    reader: Callable[[], AbstractContextManager[Session]] | None = None,
    refresh_top: int = 0,
) -> ResultCache[Any]:
    """The process's search result cache kept in ``extras`` (created on first use)."""
    cache: ResultCache[Any] | None = extras.get(CACHE_KEY)
    if cache is None:
        made: ResultCache[Any] = ResultCache(
            max_entries, ttl_seconds, reader=reader, refresh_top=refresh_top
        )
        cache = extras.setdefault(CACHE_KEY, made)
    return cache
