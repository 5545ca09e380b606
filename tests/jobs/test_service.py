"""Job service: enqueue after commit, idempotency, retries, failures, leases and recovery."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from kaifang.config import Settings
from kaifang.db import Database, utcnow
from kaifang.errors import Conflict, InvalidInput, NotFound
from kaifang.jobs import (
    InlineJobQueue,
    Job,
    JobContext,
    JobRegistry,
    JobStatus,
    enqueue_daily_jobs,
    enqueue_job,
    get_job,
    install_job_dispatch,
    recover_stale_jobs,
    run_job,
)

from .conftest import Calls


class RecordingQueue:
    """A transport that only remembers what it was asked to deliver."""

    def __init__(self) -> None:
        self.pushed: list[tuple[int, float]] = []

    def enqueue(self, job_id: int, *, delay: float = 0.0) -> None:
        self.pushed.append((job_id, delay))

    def check(self) -> None:
        return None


class BrokenQueue(RecordingQueue):
    def enqueue(self, job_id: int, *, delay: float = 0.0) -> None:
        raise ConnectionError("redis is down")


def submit(db: Database, registry: JobRegistry, kind: str, **options: Any) -> int:
    """Enqueue one job in its own unit of work and return its id."""
    payload = options.pop("payload", {})
    with db.unit_of_work() as session:
        job = enqueue_job(session, kind=kind, payload=payload, registry=registry, **options)
        return job.id


def load(db: Database, job_id: int) -> Job:
    with db.session() as session:
        return get_job(session, job_id)


def job_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def make_stale(db: Database, job_id: int, *, attempts: int, lease_ago: float) -> None:
    """Leave the job as a crashed worker would: running, with a lease in the past (or future)."""
    with db.unit_of_work() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.status = JobStatus.RUNNING
        job.attempts = attempts
        job.lease_until = utcnow() - dt.timedelta(seconds=lease_ago)


# --- enqueue and dispatch -----------------------------------------------------------------


def test_enqueued_job_runs_only_after_commit(
    db: Database, inline_queue: InlineJobQueue, job_registry: JobRegistry, calls: Calls
) -> None:
    with db.unit_of_work() as session:
        job = enqueue_job(
            session, kind="echo", payload={"n": 1}, created_by=7, registry=job_registry
        )
        assert job.status is JobStatus.QUEUED
        assert calls.count("echo") == 0  # nothing runs inside the transaction

    stored = load(db, job.id)
    assert calls.count("echo") == 1
    assert stored.status is JobStatus.SUCCEEDED
    assert stored.result == {"echo": {"n": 1}}
    assert (stored.attempts, stored.progress, stored.error) == (1, 100.0, None)
    assert stored.progress_message == "已处理一半 (halfway)"
    assert stored.created_by == 7
    assert stored.lease_until is None
    assert stored.finished_at is not None and stored.finished_at >= stored.created_at


def test_rolled_back_enqueue_neither_stores_nor_runs(
    db: Database, inline_queue: InlineJobQueue, job_registry: JobRegistry, calls: Calls
) -> None:
    with pytest.raises(RuntimeError, match="request failed"), db.unit_of_work() as session:
        enqueue_job(session, kind="echo", payload={}, registry=job_registry)
        raise RuntimeError("request failed")

    assert job_count(db) == 0
    assert calls.count("echo") == 0


def test_dispatch_is_installed_once_per_queue(db: Database, inline_queue: InlineJobQueue) -> None:
    install_job_dispatch(db, inline_queue)

    assert len(db.handlers) == 1


def test_a_failed_push_keeps_the_commit_and_recovery_delivers_later(
    db: Database, settings: Settings, job_registry: JobRegistry, calls: Calls
) -> None:
    install_job_dispatch(db, BrokenQueue())

    job_id = submit(db, job_registry, "echo")

    assert load(db, job_id).status is JobStatus.QUEUED
    recovered = recover_stale_jobs(db, InlineJobQueue(db, settings, registry=job_registry))
    assert recovered == [job_id]
    assert load(db, job_id).status is JobStatus.SUCCEEDED


def test_same_idempotency_key_returns_the_existing_job(
    db: Database, inline_queue: InlineJobQueue, job_registry: JobRegistry, calls: Calls
) -> None:
    first = submit(db, job_registry, "echo", payload={"v": 1}, idempotency_key="import:42")
    again = submit(db, job_registry, "echo", payload={"v": 2}, idempotency_key="import:42")

    assert again == first
    assert job_count(db) == 1
    assert calls.count("echo") == 1
    assert load(db, first).payload == {"v": 1}


def test_same_idempotency_key_within_one_transaction(
    db: Database, job_registry: JobRegistry
) -> None:
    queue = RecordingQueue()
    install_job_dispatch(db, queue)

    with db.unit_of_work() as session:
        first = enqueue_job(
            session, kind="echo", payload={}, idempotency_key="k", registry=job_registry
        )
        second = enqueue_job(
            session, kind="echo", payload={}, idempotency_key="k", registry=job_registry
        )

    assert first is second
    assert queue.pushed == [(first.id, 0.0)]


def test_idempotency_key_of_another_kind_conflicts(db: Database, job_registry: JobRegistry) -> None:
    submit(db, job_registry, "echo", idempotency_key="shared")

    with pytest.raises(Conflict), db.unit_of_work() as session:
        enqueue_job(
            session, kind="flaky", payload={}, idempotency_key="shared", registry=job_registry
        )


@pytest.mark.parametrize(
    ("kind", "payload", "key"),
    [
        ("no_such_kind", {}, None),
        ("echo", {"when": dt.date(2024, 1, 1)}, None),
        ("echo", ["not", "an", "object"], None),
        ("echo", {}, "x" * 201),
        ("echo", {}, ""),
    ],
)
def test_invalid_enqueue_input_is_rejected(
    db: Database, job_registry: JobRegistry, kind: str, payload: Any, key: str | None
) -> None:
    with pytest.raises(InvalidInput), db.unit_of_work() as session:
        enqueue_job(session, kind=kind, payload=payload, idempotency_key=key, registry=job_registry)

    assert job_count(db) == 0


def test_get_job_raises_not_found(db: Database) -> None:
    with pytest.raises(NotFound), db.session() as session:
        get_job(session, 999)


# --- running, retries and failures --------------------------------------------------------


def test_unexpected_errors_are_retried_until_success(
    db: Database, inline_queue: InlineJobQueue, job_registry: JobRegistry, calls: Calls
) -> None:
    job_id = submit(db, job_registry, "flaky", payload={"fail_times": 2})

    job = load(db, job_id)
    assert job.status is JobStatus.SUCCEEDED
    assert job.attempts == 3
    assert job.result == {"attempt": 3}
    assert calls.count("flaky") == 3


def test_exhausted_retries_fail_with_a_readable_reason_and_no_traceback(
    db: Database,
    inline_queue: InlineJobQueue,
    job_registry: JobRegistry,
    calls: Calls,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="kaifang.jobs"):
        job_id = submit(db, job_registry, "broken")

    job = load(db, job_id)
    assert job.status is JobStatus.FAILED
    assert job.attempts == 3 and calls.count("broken") == 3
    assert job.error is not None and "3" in job.error and "internal error" in job.error
    for leaked in ("Traceback", "RuntimeError", "hunter2", "SELECT"):
        assert leaked not in job.error
    # The traceback is kept server-side, once per attempt.
    logged = [r for r in caplog.records if r.exc_info and "hunter2" in str(r.exc_info[1])]
    assert len(logged) == 3


def test_domain_errors_fail_at_once_with_their_message(
    db: Database, inline_queue: InlineJobQueue, job_registry: JobRegistry, calls: Calls
) -> None:
    job_id = submit(db, job_registry, "rejects")

    job = load(db, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error == "第 3 行日期格式错误 (row 3: bad date)"
    assert job.attempts == 1 and calls.count("rejects") == 1


def test_a_non_dict_result_counts_as_an_unexpected_error(
    db: Database, inline_queue: InlineJobQueue, job_registry: JobRegistry, calls: Calls
) -> None:
    job_id = submit(db, job_registry, "bad_result")

    job = load(db, job_id)
    assert job.status is JobStatus.FAILED
    assert job.result is None
    assert calls.count("bad_result") == 2


def test_a_failed_attempt_asks_for_a_delayed_retry(
    db: Database, settings: Settings, job_registry: JobRegistry
) -> None:
    install_job_dispatch(db, RecordingQueue())
    job_id = submit(db, job_registry, "flaky", payload={"fail_times": 1})

    outcome = run_job(db, settings, job_id, registry=job_registry)

    assert (outcome.status, outcome.ran, outcome.retry_in) == (JobStatus.QUEUED, True, 0.0)
    job = load(db, job_id)
    assert job.status is JobStatus.QUEUED and job.lease_until is None
    assert job.error is None
    assert "attempt 1 failed" in job.progress_message


def test_retry_delay_doubles_and_is_capped() -> None:
    registry = JobRegistry()
    registry.register("slow_retry", backoff_seconds=5.0)(lambda ctx, payload: None)
    definition = registry.get("slow_retry")

    delays = [definition.retry_delay(n) for n in (1, 2, 3, 20)]

    assert delays == [5.0, 10.0, 20.0, 600.0]


def test_a_kind_cannot_be_registered_by_two_functions() -> None:
    registry = JobRegistry()

    def first(ctx: JobContext, payload: dict[str, Any]) -> None:
        return None

    def second(ctx: JobContext, payload: dict[str, Any]) -> None:
        return None

    registry.register("report")(first)
    registry.register("report", max_attempts=5)(first)  # re-import of the same module

    with pytest.raises(ValueError, match="already registered"):
        registry.register("report")(second)
    with pytest.raises(ValueError):
        registry.register("no_attempts", max_attempts=0)
    assert registry.kinds() == ["report"]
    assert registry.get("report").max_attempts == 5


def test_a_finished_job_is_never_run_again(
    db: Database,
    settings: Settings,
    inline_queue: InlineJobQueue,
    job_registry: JobRegistry,
    calls: Calls,
) -> None:
    job_id = submit(db, job_registry, "echo")

    outcome = run_job(db, settings, job_id, registry=job_registry)

    assert (outcome.ran, outcome.status) == (False, JobStatus.SUCCEEDED)
    assert calls.count("echo") == 1


def test_a_job_leased_by_a_live_worker_is_not_claimed(
    db: Database, settings: Settings, job_registry: JobRegistry, calls: Calls
) -> None:
    install_job_dispatch(db, RecordingQueue())
    job_id = submit(db, job_registry, "echo")
    make_stale(db, job_id, attempts=1, lease_ago=-60)  # lease still valid for a minute

    outcome = run_job(db, settings, job_id, registry=job_registry)

    assert (outcome.ran, outcome.status) == (False, JobStatus.RUNNING)
    assert calls.count("echo") == 0


def test_a_missing_job_is_ignored(db: Database, settings: Settings) -> None:
    outcome = run_job(db, settings, 12345)

    assert (outcome.ran, outcome.status) == (False, None)


def test_a_taken_over_run_stops_at_its_next_progress_and_drops_its_result(
    db: Database, inline_queue: InlineJobQueue, job_registry: JobRegistry, calls: Calls
) -> None:
    job_id = submit(db, job_registry, "taken_over")

    assert calls.count("kept_running_after_takeover") == 0
    job = load(db, job_id)
    assert job.status is JobStatus.RUNNING  # now owned by the (simulated) other worker
    assert job.attempts == 2
    assert job.result is None and job.progress != 90


def test_a_taken_over_run_that_finishes_cannot_overwrite_the_new_owner(
    db: Database, inline_queue: InlineJobQueue, job_registry: JobRegistry, calls: Calls
) -> None:
    job_id = submit(db, job_registry, "taken_over", payload={"report_progress": False})

    assert calls.count("kept_running_after_takeover") == 1
    job = load(db, job_id)
    assert (job.status, job.attempts, job.result) == (JobStatus.RUNNING, 2, None)


def test_progress_is_visible_to_other_sessions_while_running(
    db: Database, settings: Settings
) -> None:
    registry = JobRegistry()
    seen: list[tuple[float, str]] = []

    @registry.register("watched")
    def watched(ctx: JobContext, payload: dict[str, Any]) -> None:
        ctx.progress(140, "读取中 (reading)")  # clamped to 100
        ctx.progress(40, "读取中 (reading)")
        with ctx.db.session() as other:
            job = get_job(other, ctx.job_id)
            seen.append((job.progress, job.progress_message))

    install_job_dispatch(db, InlineJobQueue(db, settings, registry=registry))
    submit(db, registry, "watched")

    assert seen == [(40.0, "读取中 (reading)")]


def test_unknown_kind_at_run_time_fails_without_retry(
    db: Database, settings: Settings, job_registry: JobRegistry
) -> None:
    install_job_dispatch(db, RecordingQueue())
    job_id = submit(db, job_registry, "echo")

    outcome = run_job(db, settings, job_id, registry=JobRegistry())

    assert (outcome.status, outcome.retry_in) == (JobStatus.FAILED, None)
    assert "unknown job kind: echo" in (load(db, job_id).error or "")


# --- crash recovery -----------------------------------------------------------------------


def test_recovery_reruns_a_job_whose_worker_died(
    db: Database, settings: Settings, job_registry: JobRegistry, calls: Calls
) -> None:
    install_job_dispatch(db, RecordingQueue())
    stale = submit(db, job_registry, "echo", payload={"n": "stale"})
    alive = submit(db, job_registry, "echo", payload={"n": "alive"})
    make_stale(db, stale, attempts=1, lease_ago=5)
    make_stale(db, alive, attempts=1, lease_ago=-300)

    recovered = recover_stale_jobs(db, InlineJobQueue(db, settings, registry=job_registry))

    assert recovered == [stale]
    job = load(db, stale)
    assert job.status is JobStatus.SUCCEEDED and job.attempts == 2
    assert load(db, alive).status is JobStatus.RUNNING
    assert calls.count("echo") == 1


def test_recovery_requeues_queued_jobs_unless_only_sweeping_leases(
    db: Database, job_registry: JobRegistry
) -> None:
    install_job_dispatch(db, RecordingQueue())
    queued = submit(db, job_registry, "echo")
    queue = RecordingQueue()

    assert recover_stale_jobs(db, queue, include_queued=False) == []
    assert recover_stale_jobs(db, queue) == [queued]
    assert queue.pushed == [(queued, 0.0)]


def test_recovery_fails_a_job_that_crashed_its_worker_every_time(
    db: Database, job_registry: JobRegistry, calls: Calls
) -> None:
    install_job_dispatch(db, RecordingQueue())
    job_id = submit(db, job_registry, "echo")
    make_stale(db, job_id, attempts=3, lease_ago=1)
    queue = RecordingQueue()

    assert recover_stale_jobs(db, queue) == []

    job = load(db, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error is not None and "gave up" in job.error
    assert job.lease_until is None and queue.pushed == []


def test_daily_kinds_are_enqueued_once_a_day(db: Database) -> None:
    registry = JobRegistry()
    registry.register("daily_report", daily=True)(lambda ctx, payload: None)
    registry.register("on_demand")(lambda ctx, payload: None)
    assert registry.daily_kinds() == ["daily_report"]

    first = enqueue_daily_jobs(db, today=dt.date(2021, 7, 1), registry=registry)
    again = enqueue_daily_jobs(db, today=dt.date(2021, 7, 1), registry=registry)
    next_day = enqueue_daily_jobs(db, today=dt.date(2021, 7, 2), registry=registry)

    assert first == again and next_day != first and len(first) == 1
    with db.unit_of_work(write=False) as session:
        job = get_job(session, first[0])
        assert job.kind == "daily_report" and job.payload == {"today": "2021-07-01"}
