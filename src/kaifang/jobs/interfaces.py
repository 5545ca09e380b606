"""The job transport contract: how a committed job id reaches a worker."""

from __future__ import annotations

from typing import Protocol


class JobQueue(Protocol):
    """Delivers job ids to workers; delivery is at-least-once and duplicates are harmless."""

    def enqueue(self, job_id: int, *, delay: float = 0.0) -> None:
        """Ask a worker to run the job, no sooner than ``delay`` seconds from now."""
        ...

    def check(self) -> None:
        """Readiness probe; raises Unavailable when jobs cannot be queued."""
        ...
