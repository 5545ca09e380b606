"""One mapping from domain errors to HTTP responses (JSON for the API, pages for browsers)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kaifang import errors
from kaifang.db import is_lock_error

log = logging.getLogger("kaifang.web")

STATUS: dict[type[errors.DomainError], int] = {
    errors.InvalidInput: 422,
    errors.BadRequest: 400,
    errors.NotAuthenticated: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.TooLarge: 413,
    errors.Locked: 423,
    errors.RateLimited: 429,
    errors.QueryTooExpensive: 400,
    errors.Unavailable: 503,
}


def status_for(exc: errors.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]  # type: ignore[index]
    return 400


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _headers(exc: errors.DomainError) -> dict[str, str]:
    retry = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry)} if retry is not None else {}
    if isinstance(exc, errors.RateLimited) and isinstance(exc.details, dict):
        headers.update({k: str(v) for k, v in exc.details.items() if k.startswith("RateLimit")})
    return headers


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api"):
        return False
    return "text/html" in request.headers.get("accept", "")


def render_error(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON error for API clients, an error page for browsers."""
    if wants_html(request):
        from fastapi.responses import RedirectResponse

        from kaifang.web.templating import render_error_page

        if status == 401:
            # The query travels too (e.g. the dataset an application form was opened for).
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)

        return render_error_page(request, status, message, headers=headers)
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.DomainError)
    hook = getattr(request.app.state, "on_denied", None)
    if hook and isinstance(exc, errors.PermissionDenied | errors.NotAuthenticated):
        hook(request, exc)
    return render_error(request, status_for(exc), exc.code, exc.message, exc.details, _headers(exc))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return render_error(
            request, 400, "bad_request", "请求体不是合法的 JSON (malformed JSON body)"
        )
    fields = [
        {
            "field": ".".join(str(x) for x in p.get("loc", ()) if x != "body"),
            "message": p.get("msg"),
        }
        for p in problems
    ]
    return render_error(request, 422, "invalid_input", "输入有误 (invalid input)", fields)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
        exc.status_code, "error"
    )
    message = {404: "页面不存在 (not found)", 405: "不支持该方法 (method not allowed)"}.get(
        exc.status_code, str(exc.detail)
    )
    return render_error(request, exc.status_code, code, message, headers=dict(exc.headers or {}))


async def _operational_error(request: Request, exc: Exception) -> Response:
    if is_lock_error(exc):
        return render_error(
            request,
            503,
            "unavailable",
            "系统繁忙，请稍后重试 (busy, retry later)",
            headers={"Retry-After": "1"},
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # Log the details server-side only; the client gets a request id to quote.
    log.exception("unhandled error", extra={"request_id": getattr(request.state, "request_id", "")})
    return render_error(
        request,
        500,
        "internal_error",
        "服务器内部错误，请引用请求编号联系管理员 (internal error)",
        {"request_id": getattr(request.state, "request_id", "")},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(Exception, _unexpected)
