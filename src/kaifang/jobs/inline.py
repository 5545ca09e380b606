"""The in-process twin of the job queue: runs each job synchronously when it is pushed."""

from __future__ import annotations

from kaifang.config import Settings
from kaifang.db import Database
from kaifang.jobs.registry import JobRegistry
from kaifang.jobs.registry import registry as default_registry
from kaifang.jobs.service import run_job


class InlineJobQueue:
    """Runs jobs at once in the caller's thread, retries included, for tests and tiny setups."""

    def __init__(
        self, db: Database, settings: Settings, *, registry: JobRegistry = default_registry
    ) -> None:
        self.db = db
        self.settings = settings
        self.registry = registry

    def enqueue(self, job_id: int, *, delay: float = 0.0) -> None:
        """Run the job now until it succeeds, fails or is owned elsewhere; ``delay`` is ignored."""
        # Backoff delays are skipped so tests never sleep; attempts still count to the limit.
        outcome = run_job(self.db, self.settings, job_id, registry=self.registry)
        while outcome.retry_in is not None:
            outcome = run_job(self.db, self.settings, job_id, registry=self.registry)

    def check(self) -> None:
        """Always ready."""
