"""Role checks for staff pages and the small redirects and flashes they share."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from fastapi.responses import RedirectResponse

from kaifang.auth.actor import Actor
from kaifang.errors import DomainError, PermissionDenied
from kaifang.web.errors import status_for

STAFF_ROLES = ("officer", "reviewer", "admin")


def require_role(actor: Actor, roles: Iterable[str], action: str) -> None:
    """Raise PermissionDenied (audited as ``action``) unless the actor has one of ``roles``."""
    if actor.role not in tuple(roles):
        raise PermissionDenied(
            "无权访问此页面 (you may not open this page)", details={"action": action}
        )


def redirect(path: str, **params: str | int) -> RedirectResponse:
    """A 303 to ``path`` with an optional query string (post/redirect/get)."""
    query = urlencode(params)
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303)


def error_status(exc: DomainError) -> int:
    """The HTTP status a form page answers with when a service refused its input."""
    return status_for(exc)
