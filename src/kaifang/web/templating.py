"""Jinja2 environment and page rendering (autoescaped, locale-aware, CSP-friendly)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kaifang.clock import local_time
from kaifang.web import i18n
from kaifang.web.deps import CSRF_COOKIE, csrf_token_for

TEMPLATES_DIR = Path(__file__).parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
# Stored datetimes are UTC; every page prints them in China time through this one filter.
_env.filters["local_time"] = local_time


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page with the request's locale, actor and CSRF token."""
    runtime = request.app.state.runtime
    locale = i18n.negotiate(request, runtime.settings.default_locale)
    ctx: dict[str, Any] = {
        "request": request,
        "locale": locale,
        "html_lang": i18n.html_lang(locale),
        "_": i18n.gettext_for(locale),
        "actor": getattr(request.state, "actor", None),
        "csrf_token": csrf_token_for(request),
        "path": request.url.path,
        "canonical": str(request.url.replace(query=""))
        if runtime.settings.base_url == ""
        else runtime.settings.base_url.rstrip("/") + request.url.path,
    }
    ctx.update(context or {})
    html = _env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    _persist_cookies(request, response, locale)
    return response


def _persist_cookies(request: Request, response: HTMLResponse, locale: str) -> None:
    new_csrf = getattr(request.state, "new_csrf_cookie", None)
    if new_csrf:
        response.set_cookie(
            CSRF_COOKIE,
            new_csrf,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    if request.query_params.get("lang") in i18n.LOCALES:
        response.set_cookie(i18n.LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax")


def render_error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"status": status, "message": message},
        status_code=status,
        headers=headers,
    )
