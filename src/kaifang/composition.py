"""Wires backends, event handlers, routers and workers onto a runtime (used by serve/worker)."""

from __future__ import annotations

from kaifang.runtime import Runtime


def compose(runtime: Runtime, *, embedded_worker: bool) -> Runtime:
    """Attach every domain's pieces to ``runtime``; idempotent."""
    if runtime.extras.get("composed"):
        return runtime
    runtime.extras["composed"] = True
    runtime.extras.setdefault("routers", [])
    runtime.extras.setdefault("on_start", [])
    runtime.extras.setdefault("on_stop", [])
    return runtime


def run_worker(runtime: Runtime) -> None:
    """Block running the job worker."""
    raise SystemExit("job worker not configured")
