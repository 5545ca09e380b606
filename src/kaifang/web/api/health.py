"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from kaifang.web.deps import get_runtime, policy

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[policy(None)])
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


def _probe(name: str, fn: Any) -> tuple[str, str]:
    try:
        fn()
        return name, "ok"
    except Exception:  # a probe reports any failure as the component being down
        return name, "unavailable"


@router.get("/readyz", dependencies=[policy(None)])
def readyz(request: Request) -> JSONResponse:
    """Database, storage and queue all answer."""
    runtime = get_runtime(request)

    def database() -> None:
        with runtime.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    checks = dict([_probe("database", database)])
    for name in ("blobs", "queue"):
        backend = runtime.extras.get(name)
        if backend is not None:
            checks.update([_probe(name, backend.check)])
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )
