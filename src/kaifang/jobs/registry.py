"""Job kinds and their handlers, registered with ``@register("kind")``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kaifang.db import Database
from kaifang.errors import InvalidInput
from kaifang.jobs.context import JobContext

Handler = Callable[[JobContext, dict[str, Any]], dict[str, Any] | None]
PeriodicCheck = Callable[[Database], None]

MAX_BACKOFF_SECONDS = 600.0
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobDefinition:
    """How one kind of job runs: its handler, retry budget, lease and backoff."""

    kind: str
    handler: Handler
    max_attempts: int = 3
    lease_seconds: float = 300.0
    backoff_seconds: float = 5.0
    daily: bool = False

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based), doubling each time."""
        return min(self.backoff_seconds * 2.0 ** max(attempt - 1, 0), MAX_BACKOFF_SECONDS)


class JobRegistry:
    """Maps job kinds to their definitions; the worker and the enqueuer must share it."""

    def __init__(self) -> None:
        self._definitions: dict[str, JobDefinition] = {}
        self._periodic: dict[str, PeriodicCheck] = {}

    def register(
        self,
        kind: str,
        *,
        max_attempts: int = 3,
        lease_seconds: float = 300.0,
        backoff_seconds: float = 5.0,
        daily: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Decorator registering ``fn(ctx, payload) -> dict | None`` for ``kind``.

        ``lease_seconds`` is how long a run may go without ``ctx.progress`` before another
        worker may take the job over; ``backoff_seconds`` is the first retry delay (doubling);
        ``daily`` has the worker's scheduler queue the job once per day (``jobs.schedule``).
        Raises ValueError when ``kind`` is already taken by another function.
        """
        if max_attempts < 1 or lease_seconds <= 0 or backoff_seconds < 0:
            raise ValueError("max_attempts >= 1, lease_seconds > 0 and backoff_seconds >= 0")

        def decorator(handler: Handler) -> Handler:
            definition = JobDefinition(
                kind, handler, max_attempts, lease_seconds, backoff_seconds, daily
            )
            self._add(definition)
            return handler

        return decorator

    def _add(self, definition: JobDefinition) -> None:
        existing = self._definitions.get(definition.kind)
        if existing is not None and _qualname(existing.handler) != _qualname(definition.handler):
            raise ValueError(f"job kind {definition.kind!r} is already registered")
        # Re-registering the same function (a module imported twice) replaces it harmlessly.
        self._definitions[definition.kind] = definition

    def find(self, kind: str) -> JobDefinition | None:
        """The definition of ``kind``, or None when no handler is registered."""
        return self._definitions.get(kind)

    def get(self, kind: str) -> JobDefinition:
        """The definition of ``kind``; raises InvalidInput for an unknown kind."""
        definition = self.find(kind)
        if definition is None:
            raise InvalidInput(f"未知的任务类型 (unknown job kind: {kind})", details={"kind": kind})
        return definition

    def daily_kinds(self) -> list[str]:
        """The kinds registered to run once a day, sorted."""
        return sorted(k for k, d in self._definitions.items() if d.daily)

    def kinds(self) -> list[str]:
        """Every registered kind, sorted."""
        return sorted(self._definitions)

    def periodic(self, name: str) -> Callable[[PeriodicCheck], PeriodicCheck]:
        """Decorator registering ``fn(db)``, run by every worker once a minute.

        Several workers run it at the same time, so it must be idempotent (e.g. enqueue with
        an idempotency key); it should only enqueue jobs, never do long work itself.
        """

        def decorator(check: PeriodicCheck) -> PeriodicCheck:
            self._periodic[name] = check
            return check

        return decorator

    def run_periodic(self, db: Database) -> None:
        """Run every periodic check; one failing is logged and does not stop the others."""
        for name, check in sorted(self._periodic.items()):
            try:
                check(db)
            except Exception:
                logger.exception("periodic check %s failed", name)


def _qualname(handler: Handler) -> str:
    return f"{getattr(handler, '__module__', '')}.{getattr(handler, '__qualname__', handler)!s}"


registry = JobRegistry()
register = registry.register
