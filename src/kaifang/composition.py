"""Wires backends, event handlers, routers and workers onto a runtime (used by serve/worker)."""

from __future__ import annotations

import importlib
import logging

from kaifang.access.calllog import install_call_log
from kaifang.governance.usage import install_usage_log
from kaifang.jobs import HueyJobQueue, Worker, install_job_dispatch
from kaifang.runtime import Runtime
from kaifang.search import service as search_service

log = logging.getLogger("kaifang")

# Modules whose import registers job handlers; web processes and workers import the same set.
TASK_MODULES = (
    "kaifang.ingest.tasks",
    "kaifang.access.tasks",
    "kaifang.search.tasks",
    "kaifang.interop.harvest.tasks",
    "kaifang.governance.tasks",
    "kaifang.interop.links",
)


def _import_tasks() -> None:
    for name in TASK_MODULES:
        importlib.import_module(name)


def compose(runtime: Runtime, *, embedded_worker: bool) -> Runtime:
    """Attach every domain's pieces to ``runtime``; idempotent."""
    if runtime.extras.get("composed"):
        return runtime
    runtime.extras["composed"] = True
    runtime.extras.setdefault("routers", [])
    runtime.extras.setdefault("on_start", [])
    runtime.extras.setdefault("on_stop", [])
    runtime.extras["blobs"] = runtime.blobs
    runtime.extras["queue"] = runtime.queue
    runtime.extras["runtime_ref"] = runtime
    _import_tasks()
    install_job_dispatch(runtime.db, runtime.queue)
    _install_search(runtime)
    install_call_log(runtime)
    install_usage_log(runtime)
    if embedded_worker and isinstance(runtime.queue, HueyJobQueue):
        worker = Worker(runtime.queue)
        runtime.extras["on_start"].append(worker.start)
        runtime.extras["on_stop"].append(worker.stop)
    return runtime


def _install_search(runtime: Runtime) -> None:
    runtime.db.handlers.append(search_service.make_reindex_handler(runtime.db))


def run_worker(runtime: Runtime) -> None:
    """Block running the job worker until interrupted (``kaifang worker``)."""
    if not isinstance(runtime.queue, HueyJobQueue):
        raise SystemExit("kaifang worker needs the SQLite or Redis queue (KAIFANG_QUEUE_BACKEND)")
    from kaifang.background import AuditSealer

    sealer = AuditSealer(runtime)
    sealer.start()
    try:
        Worker(runtime.queue).run()
    finally:
        sealer.stop()
