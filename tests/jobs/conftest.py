"""Job fixtures: a fresh SQLite database per test and a registry of test handlers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from kaifang.config import Settings
from kaifang.db import Base, Database, make_engine
from kaifang.errors import InvalidInput
from kaifang.jobs import InlineJobQueue, JobContext, JobRegistry, install_job_dispatch
from kaifang.jobs.models import Job


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(env="test", data_dir=tmp_path / "var")


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """A database with the jobs table; jobs commit for real, so each test gets its own file."""
    engine = make_engine(settings)
    Base.metadata.create_all(engine)
    yield Database(engine)
    engine.dispose()


class Calls:
    """Thread-safe record of handler invocations, shared by a test and its worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[tuple[str, int, int]] = []

    def add(self, kind: str, ctx: JobContext) -> None:
        with self._lock:
            self.items.append((kind, ctx.job_id, ctx.attempt))

    def count(self, kind: str) -> int:
        with self._lock:
            return sum(1 for item in self.items if item[0] == kind)


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def job_registry(calls: Calls) -> JobRegistry:
    """Handlers covering success, progress, expected and unexpected failures, and takeovers."""
    registry = JobRegistry()

    @registry.register("echo")
    def echo(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        calls.add("echo", ctx)
        ctx.progress(50, "已处理一半 (halfway)")
        return {"echo": payload}

    @registry.register("flaky", max_attempts=3, backoff_seconds=0.0)
    def flaky(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        calls.add("flaky", ctx)
        if ctx.attempt <= payload["fail_times"]:
            raise RuntimeError("connection to 10.0.0.7 reset; secret=hunter2")
        return {"attempt": ctx.attempt}

    @registry.register("broken", max_attempts=3, backoff_seconds=0.0)
    def broken(ctx: JobContext, payload: dict[str, Any]) -> None:
        calls.add("broken", ctx)
        raise RuntimeError("SELECT * FROM users; secret=hunter2")

    @registry.register("rejects", max_attempts=3)
    def rejects(ctx: JobContext, payload: dict[str, Any]) -> None:
        calls.add("rejects", ctx)
        raise InvalidInput("第 3 行日期格式错误 (row 3: bad date)")

    @registry.register("bad_result", max_attempts=2, backoff_seconds=0.0)
    def bad_result(ctx: JobContext, payload: dict[str, Any]) -> Any:
        calls.add("bad_result", ctx)
        return ["not", "a", "dict"]

    @registry.register("taken_over")
    def taken_over(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        calls.add("taken_over", ctx)
        # Simulate another worker claiming the job after this run's lease expired.
        with ctx.db.unit_of_work() as session:
            session.execute(
                update(Job).where(Job.id == ctx.job_id).values(attempts=Job.attempts + 1)
            )
        if payload.get("report_progress", True):
            ctx.progress(90, "too late")
        calls.add("kept_running_after_takeover", ctx)
        return {"should": "never be stored"}

    return registry


@pytest.fixture
def inline_queue(db: Database, settings: Settings, job_registry: JobRegistry) -> InlineJobQueue:
    """The in-process twin, wired so committed units of work run their jobs at once."""
    queue = InlineJobQueue(db, settings, registry=job_registry)
    install_job_dispatch(db, queue)
    return queue
