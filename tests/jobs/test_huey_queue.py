"""The real transport: huey on SQLite and Redis, consumed by Worker threads."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from huey import RedisHuey, SqliteHuey

from kaifang.config import Settings
from kaifang.db import Database
from kaifang.errors import Unavailable
from kaifang.jobs import (
    HueyJobQueue,
    InlineJobQueue,
    Job,
    JobContext,
    JobRegistry,
    JobStatus,
    Worker,
    enqueue_job,
    get_job,
    install_job_dispatch,
    make_huey,
    make_job_queue,
)

from .conftest import Calls

WAIT_SECONDS = 10.0


def fast_worker(queue: HueyJobQueue) -> Worker:
    """A worker that polls often and exits quickly, so tests stay fast."""
    return Worker(
        queue,
        workers=2,
        periodic=False,
        poll_seconds=0.02,
        max_poll_seconds=0.1,
        shutdown_timeout=5,
    )


def submit(db: Database, registry: JobRegistry, kind: str, payload: dict[str, Any]) -> int:
    with db.unit_of_work() as session:
        return enqueue_job(session, kind=kind, payload=payload, registry=registry).id


def wait_until_final(db: Database, job_id: int, timeout: float = WAIT_SECONDS) -> Job:
    """Poll the row until the job succeeds or fails; fails the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        with db.session() as session:
            job = get_job(session, job_id)
        if job.status.is_final:
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} still {job.status} after {timeout}s")
        time.sleep(0.02)


@pytest.fixture
def sqlite_queue(
    settings: Settings, db: Database, job_registry: JobRegistry
) -> Iterator[HueyJobQueue]:
    queue = HueyJobQueue.from_settings(settings, db, registry=job_registry)
    install_job_dispatch(db, queue)
    yield queue
    queue.huey.storage.close()


def redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# --- SQLite (embedded default) ------------------------------------------------------------


def test_sqlite_queue_lives_in_the_data_dir(sqlite_queue: HueyJobQueue, settings: Settings) -> None:
    assert isinstance(sqlite_queue.huey, SqliteHuey)
    assert (settings.data_dir / "queue.db").is_file()
    sqlite_queue.check()


def test_sqlite_round_trip_through_a_consumer_thread(
    sqlite_queue: HueyJobQueue, db: Database, job_registry: JobRegistry, calls: Calls
) -> None:
    with fast_worker(sqlite_queue) as worker:
        assert worker.is_running
        job_ids = [submit(db, job_registry, "echo", {"n": n}) for n in range(3)]
        jobs = [wait_until_final(db, job_id) for job_id in job_ids]

    assert not worker.is_running
    assert [job.status for job in jobs] == [JobStatus.SUCCEEDED] * 3
    assert [job.result for job in jobs] == [{"echo": {"n": n}} for n in range(3)]
    assert calls.count("echo") == 3
    assert sqlite_queue.huey.pending_count() == 0


def test_sqlite_retries_go_through_the_queue(
    sqlite_queue: HueyJobQueue, db: Database, job_registry: JobRegistry, calls: Calls
) -> None:
    with fast_worker(sqlite_queue):
        job = wait_until_final(db, submit(db, job_registry, "flaky", {"fail_times": 2}))

    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 3)
    assert calls.count("flaky") == 3


def test_delayed_retries_are_scheduled_not_run_at_once(
    settings: Settings, db: Database, calls: Calls
) -> None:
    registry = JobRegistry()

    @registry.register("once_flaky", backoff_seconds=0.5)
    def once_flaky(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        calls.add("once_flaky", ctx)
        if ctx.attempt == 1:
            raise RuntimeError("transient")
        return {}

    queue = HueyJobQueue.from_settings(settings, db, registry=registry)
    install_job_dispatch(db, queue)
    with fast_worker(queue):
        job_id = submit(db, registry, "once_flaky", {})
        job = wait_until_final(db, job_id)

    assert job.status is JobStatus.SUCCEEDED
    assert calls.count("once_flaky") == 2
    assert job.started_at is not None and job.created_at is not None
    assert (job.started_at - job.created_at).total_seconds() >= 0.5  # the retry waited


def test_messages_survive_a_restart_of_the_process(
    settings: Settings, db: Database, job_registry: JobRegistry, calls: Calls
) -> None:
    producer = HueyJobQueue.from_settings(settings, db, registry=job_registry)
    install_job_dispatch(db, producer)
    job_id = submit(db, job_registry, "echo", {"n": "persisted"})
    producer.huey.storage.close()
    assert calls.count("echo") == 0

    # A fresh huey instance on the same file stands in for the restarted worker process.
    restarted = HueyJobQueue.from_settings(settings, db, registry=job_registry)
    with fast_worker(restarted):
        job = wait_until_final(db, job_id)

    assert job.status is JobStatus.SUCCEEDED
    assert calls.count("echo") == 1


def test_worker_start_recovers_jobs_left_running_by_a_crash(
    sqlite_queue: HueyJobQueue, db: Database, job_registry: JobRegistry, calls: Calls
) -> None:
    job_id = submit(db, job_registry, "echo", {})
    sqlite_queue.huey.flush()  # the message died with the crashed worker
    with db.unit_of_work() as session:
        job = get_job(session, job_id)
        job.status, job.attempts = JobStatus.RUNNING, 1
        job.lease_until = job.created_at  # long expired

    with fast_worker(sqlite_queue):
        job = wait_until_final(db, job_id)

    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)


def test_worker_cannot_start_twice(sqlite_queue: HueyJobQueue) -> None:
    with fast_worker(sqlite_queue) as worker, pytest.raises(RuntimeError):
        worker.start()


# --- Redis (scale) ------------------------------------------------------------------------


@pytest.fixture
def redis_queue(db: Database, job_registry: JobRegistry, tmp_path: Any) -> Iterator[HueyJobQueue]:
    if not redis_reachable():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    settings = Settings(env="test", data_dir=tmp_path / "var", redis_url="redis://127.0.0.1:6379/0")
    huey = make_huey(settings, name=f"kaifang_test_{uuid.uuid4().hex}")
    queue = HueyJobQueue(huey, db, settings, registry=job_registry)
    install_job_dispatch(db, queue)
    yield queue
    huey.flush()


@pytest.mark.redis
def test_redis_round_trip_through_a_consumer_thread(
    redis_queue: HueyJobQueue, db: Database, job_registry: JobRegistry, calls: Calls
) -> None:
    assert isinstance(redis_queue.huey, RedisHuey)
    redis_queue.check()

    with fast_worker(redis_queue):
        ok = wait_until_final(db, submit(db, job_registry, "echo", {"via": "redis"}))
        retried = wait_until_final(db, submit(db, job_registry, "flaky", {"fail_times": 1}))

    assert ok.status is JobStatus.SUCCEEDED and ok.result == {"echo": {"via": "redis"}}
    assert (retried.status, retried.attempts) == (JobStatus.SUCCEEDED, 2)
    assert redis_queue.huey.pending_count() == 0


def test_unreachable_redis_is_unavailable(db: Database, tmp_path: Any) -> None:
    # Port 9 (discard) is closed on loopback, so the connection is refused at once.
    settings = Settings(env="test", data_dir=tmp_path, redis_url="redis://127.0.0.1:9/0")
    queue = HueyJobQueue.from_settings(settings, db)

    with pytest.raises(Unavailable):
        queue.check()


# --- factory ------------------------------------------------------------------------------


def test_factory_follows_the_resolved_backend(db: Database, tmp_path: Any) -> None:
    memory = make_job_queue(Settings(data_dir=tmp_path, queue_backend="memory"), db)
    sqlite = make_job_queue(Settings(data_dir=tmp_path), db)
    redis = make_job_queue(Settings(data_dir=tmp_path / "r", redis_url="redis://127.0.0.1:9/0"), db)

    assert isinstance(memory, InlineJobQueue)
    assert isinstance(sqlite, HueyJobQueue) and isinstance(sqlite.huey, SqliteHuey)
    assert isinstance(redis, HueyJobQueue) and isinstance(redis.huey, RedisHuey)
    assert not (tmp_path / "r" / "queue.db").exists()
