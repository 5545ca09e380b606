"""Background jobs: a durable ``jobs`` table, handlers by kind, and a swappable transport.

Wiring (composition root): ``queue = make_job_queue(settings, db)``, then
``install_job_dispatch(db, queue)`` so units of work push the jobs they enqueued after
commit; start a ``Worker(queue)`` in-process or run ``kaifang worker``.
"""

from kaifang.jobs.context import JobContext, JobLeaseLost
from kaifang.jobs.dispatch import JobDispatcher, JobEnqueued, install_job_dispatch
from kaifang.jobs.factory import make_job_queue
from kaifang.jobs.huey_queue import HueyJobQueue, make_huey
from kaifang.jobs.inline import InlineJobQueue
from kaifang.jobs.interfaces import JobQueue
from kaifang.jobs.models import Job, JobStatus
from kaifang.jobs.registry import JobDefinition, JobRegistry, register, registry
from kaifang.jobs.service import (
    RunOutcome,
    enqueue_job,
    get_job,
    recover_stale_jobs,
    run_job,
)
from kaifang.jobs.worker import Worker

__all__ = [
    "HueyJobQueue",
    "InlineJobQueue",
    "Job",
    "JobContext",
    "JobDefinition",
    "JobDispatcher",
    "JobEnqueued",
    "JobLeaseLost",
    "JobQueue",
    "JobRegistry",
    "JobStatus",
    "RunOutcome",
    "Worker",
    "enqueue_job",
    "get_job",
    "install_job_dispatch",
    "make_huey",
    "make_job_queue",
    "recover_stale_jobs",
    "register",
    "registry",
    "run_job",
]
