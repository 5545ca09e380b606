"""Time budgets for DuckDB statements: one watchdog thread interrupts overdue cursors.

DuckDB has no statement timeout, so each statement registers its cursor and deadline with
the watchdog; when the deadline passes the watchdog calls ``cursor.interrupt()`` and the
statement fails with ``duckdb.InterruptException``, which becomes QueryTooExpensive.
DuckDB clears the flag when a statement starts, so an interrupt that lands just after a
statement finished is harmless, and one that lands before execution began is repeated
every 10 ms until the statement ends.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from kaifang.errors import QueryTooExpensive

REFIRE_S = 0.01


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock by which the work must be done."""

    at: float

    @classmethod
    def after_ms(cls, budget_ms: float) -> Deadline:
        return cls(time.monotonic() + budget_ms / 1000)

    def remaining_ms(self) -> float:
        return max(0.0, (self.at - time.monotonic()) * 1000)

    def expired(self) -> bool:
        return time.monotonic() >= self.at

    def capped(self, budget_ms: float) -> Deadline:
        """The earlier of this deadline and ``budget_ms`` from now."""
        return Deadline(min(self.at, time.monotonic() + budget_ms / 1000))


@dataclass(eq=False)
class _Guard:
    cursor: Any
    deadline: float
    active: bool = True
    fired: bool = False


@dataclass
class Watchdog:
    """One daemon thread interrupting cursors whose deadline has passed."""

    _cond: threading.Condition = field(default_factory=threading.Condition)
    _heap: list[tuple[float, int, _Guard]] = field(default_factory=list)
    _seq: Iterator[int] = field(default_factory=itertools.count)
    _thread: threading.Thread | None = None

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="kaifang-query-watchdog", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or not self._heap[0][2].active):
                    _, _, guard = heapq.heappop(self._heap)
                    if guard.active:
                        guard.fired = True
                        guard.cursor.interrupt()
                        # An interrupt that lands while the statement is still being
                        # planned is cleared when execution starts: repeat until it ends.
                        heapq.heappush(self._heap, (now + REFIRE_S, next(self._seq), guard))
                timeout = self._heap[0][0] - now if self._heap else None
                self._cond.wait(timeout)

    @contextmanager
    def watch(self, cursor: Any, deadline: Deadline) -> Iterator[_Guard]:
        """Interrupt ``cursor`` if the block is still running at ``deadline``."""
        guard = _Guard(cursor, deadline.at)
        with self._cond:
            self._ensure_thread()
            heapq.heappush(self._heap, (deadline.at, next(self._seq), guard))
            self._cond.notify()
        try:
            yield guard
        finally:
            with self._cond:
                guard.active = False
                guard.cursor = None  # the heap may hold the guard until its deadline


WATCHDOG = Watchdog()


def fetch_timed(
    cursor: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any],
    deadline: Deadline,
    *,
    what: str = "query",
) -> pa.Table:
    """Run one statement and return its rows as Arrow, or QueryTooExpensive at the deadline."""
    if deadline.expired():
        raise _too_expensive(what)
    with WATCHDOG.watch(cursor, deadline):
        try:
            return cursor.sql(sql, params=list(params)).to_arrow_table()
        except duckdb.InterruptException:
            raise _too_expensive(what) from None


def _too_expensive(what: str) -> QueryTooExpensive:
    return QueryTooExpensive(
        f"the {what} did not finish within its time budget; narrow the filters",
        details={"part": what},
    )
