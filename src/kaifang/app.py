"""create_app(settings) -> ASGI app: the composition root, nothing else."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from kaifang import __version__, errors
from kaifang.audit import service as audit_service
from kaifang.background import AuditSealer
from kaifang.config import Settings, load_settings
from kaifang.runtime import Runtime, build_runtime
from kaifang.search import text as search_text
from kaifang.web.api import api_routers
from kaifang.web.deps import policy
from kaifang.web.errors import install_error_handlers
from kaifang.web.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from kaifang.web.pages import home, page_routers

STATIC_DIR = Path(__file__).parent / "web" / "static"


def _record_denial(runtime: Runtime):  # type: ignore[no-untyped-def]
    """Denied attempts are audited in their own transaction (the request's was rolled back)."""

    def hook(request: Request, exc: errors.DomainError) -> None:
        actor = getattr(request.state, "actor", None)
        details = exc.details if isinstance(exc.details, dict) else {}
        with runtime.db.unit_of_work() as session:
            audit_service.record(
                session,
                action=str(details.get("action", "access")),
                actor=actor,
                object_type="request",
                object_id=str(details.get("object_id", ""))[:80],
                outcome="denied",
                details={"path": request.url.path, "method": request.method},
            )

    return hook


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the web application for ``settings`` (or an already built runtime)."""
    runtime = runtime or build_runtime(settings or load_settings())
    sealer = AuditSealer(runtime)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sealer.start()
        for start in runtime.extras.get("on_start", []):
            start()
        home.warm_up(runtime)
        # jieba reads its dictionary on first use (about 1.5 s): not on a visitor's search.
        threading.Thread(target=search_text.tokenizer, name="jieba-load", daemon=True).start()
        yield
        for stop in runtime.extras.get("on_stop", []):
            stop()
        sealer.stop()

    app = FastAPI(
        title="Kaifang Open Data API",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        description="公共数据开放平台 API · Kaifang public-data open platform API",
    )
    app.state.runtime = runtime
    app.state.on_denied = _record_denial(runtime)
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body=runtime.settings.max_body_bytes,
        max_upload=runtime.settings.max_upload_bytes,
    )
    app.add_middleware(RequestContextMiddleware, trusted_proxies=runtime.settings.trusted_proxies)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (*api_routers(), *page_routers()):
        app.include_router(router)
    for extra_router in runtime.extras.get("routers", []):
        app.include_router(extra_router)
    _add_docs(app)
    return app


def _add_docs(app: FastAPI) -> None:
    @app.get("/api/v1/docs", include_in_schema=False, dependencies=[policy(None)])
    def api_docs() -> HTMLResponse:
        # Our own page: FastAPI's default inlines a script, which the CSP forbids.
        return HTMLResponse((STATIC_DIR / "api-docs.html").read_text(encoding="utf-8"))
