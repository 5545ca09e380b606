"""The CKAN-compatible Action API at ``/api/3/action/{name}`` and ``/api/action/{name}``.

Responses use CKAN's ``{help, success, result}`` envelope; every domain error is mapped to a
CKAN error once, in :func:`_error_response`. Tokens are accepted raw in ``Authorization`` or
``X-CKAN-API-Key`` (as CKAN does) and as ``Bearer``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from kaifang import errors
from kaifang.auth import service as auth_service
from kaifang.auth.actor import ANONYMOUS
from kaifang.interop.ckan_input import validation_fields
from kaifang.interop.ckan_query import SearchQueryError
from kaifang.web.api import ckan_actions as actions
from kaifang.web.api import ckan_resources as resources
from kaifang.web.api.ckan_actions import Call
from kaifang.web.api.ckan_datastore import datastore_info, datastore_search
from kaifang.web.api.ckan_help import ACTION_HELP
from kaifang.web.deps import get_runtime, policy
from kaifang.web.errors import status_for

log = logging.getLogger("kaifang.web.ckan")
router = APIRouter(tags=["ckan"])
POST_ONLY = "Bad request: JSON Error: Invalid request. Please use POST method for your request"
# A JSONP callback: a dotted JavaScript name, nothing that could close the call or the script.
_CALLBACK = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*", re.ASCII)
_MAX_CALLBACK = 100


Action = Callable[[Call], Any]


def _help_show(call: Call) -> str:
    name = actions.required(call.params, "name")
    if name not in ACTION_HELP:
        raise errors.NotFound("Action function not found")
    return ACTION_HELP[name]


def _datastore_search_sql(call: Call) -> Any:
    raise errors.BadRequest(
        "datastore_search_sql is not supported; use datastore_search with filters, q and sort"
    )


READ_ACTIONS: dict[str, Action] = {
    "help_show": _help_show,
    "status_show": actions.status_show,
    "site_read": lambda _call: True,
    "package_list": actions.package_list,
    "package_show": actions.package_show,
    "package_search": actions.package_search,
    "current_package_list_with_resources": actions.current_package_list_with_resources,
    "recently_changed_packages_activity_list": actions.recently_changed_activity,
    "resource_show": resources.resource_show,
    "organization_list": actions.organization_list,
    "organization_show": actions.organization_show,
    "group_list": actions.group_list,
    "group_show": actions.group_show,
    "group_package_show": actions.group_package_show,
    "tag_list": actions.tag_list,
    "license_list": actions.license_list,
    "datastore_search": lambda call: datastore_search(call.request, call.params),
    "datastore_info": lambda call: datastore_info(call.request, call.params),
    "datastore_search_sql": _datastore_search_sql,
}
WRITE_ACTIONS: dict[str, Action] = {
    "package_create": actions.package_create,
    "package_update": actions.package_update,
    "package_patch": actions.package_patch,
    "package_revise": actions.package_revise,
    "package_delete": actions.package_delete,
    "resource_create": resources.resource_create,
    "resource_update": resources.resource_update,
    "resource_patch": resources.resource_patch,
    "resource_delete": resources.resource_delete,
}


class _BadBody(Exception):
    """A body CKAN would refuse with a bare ``Bad request`` string."""


def _raw_token(request: Request) -> str | None:
    key = request.headers.get("x-ckan-api-key", "").strip()
    if key:
        return key
    value = request.headers.get("authorization", "").strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
        return value if value.startswith(auth_service.TOKEN_PREFIX) else None
    return value if value and " " not in value else None


async def ckan_credentials(request: Request) -> None:
    """Resolve a raw/X-CKAN-API-Key/Bearer personal token before the usual actor resolution."""
    token = _raw_token(request)
    if token is None:
        return
    with get_runtime(request).db.unit_of_work(write=False) as session:
        user = auth_service.resolve_token(session, token)
        actor = auth_service.actor_for(user, via="token") if user is not None else None
    request.state.ckan_bad_token = actor is None
    request.state.actor = actor or ANONYMOUS


def _help(request: Request, name: str) -> str:
    return f"{actions.site_url(request)}/api/3/action/help_show?name={name}"


def _envelope(request: Request, name: str, status: int, **body: Any) -> JSONResponse:
    content = jsonable_encoder({"help": _help(request, name), **body})
    return JSONResponse(content, status_code=status)


def _error_response(request: Request, name: str, exc: errors.DomainError) -> JSONResponse:
    """The one mapping from domain errors to CKAN errors (``__type`` and HTTP status)."""
    error: dict[str, Any]
    if isinstance(exc, errors.InvalidInput):
        status, error = 409, {"__type": "Validation Error", **validation_fields(exc)}
    elif isinstance(exc, errors.Conflict):
        field_name = exc.details.get("field") if isinstance(exc.details, dict) else None
        error = {"__type": "Validation Error", "message": exc.message}
        status, error[str(field_name or "__all__")] = 409, [exc.message]
    elif isinstance(exc, errors.NotFound):
        status, error = 404, {"__type": "Not Found Error", "message": f"Not found: {exc.message}"}
    elif isinstance(exc, errors.PermissionDenied | errors.NotAuthenticated):
        message = f"Access denied: {exc.message}"
        status, error = 403, {"__type": "Authorization Error", "message": message}
    elif isinstance(exc, SearchQueryError):
        status, error = 400, {"__type": "Search Query Error", "message": exc.message}
    else:
        status = status_for(exc)
        error = {"__type": "Bad request" if status < 500 else "Internal Server Error"}
        error["message"] = exc.message
    response = _envelope(request, name, status, success=False, error=error)
    retry = getattr(exc, "retry_after", None)
    if retry is not None:
        response.headers["Retry-After"] = str(retry)
    return response


async def _read_params(request: Request) -> tuple[dict[str, Any], dict[str, UploadFile]]:
    """GET query parameters (repeated keys become lists), or a JSON, form or multipart body."""
    if request.method == "GET":
        return _query_params(request), {}
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        params: dict[str, Any] = {}
        files: dict[str, UploadFile] = {}
        for key, value in form.multi_items():
            if isinstance(value, str):
                params[key] = value
            else:
                files[key] = value
        return params, files
    raw = await request.body()
    if not raw.strip():
        return _query_params(request), {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise _BadBody("Bad request: JSON Error: could not parse the request body") from None
    if not isinstance(body, dict):
        raise _BadBody("Bad request: JSON Error: Request data JSON decoded to a non-dict")
    return body, {}


def _query_params(request: Request) -> dict[str, Any]:
    out: dict[str, Any] = {}
    jsonp = _callback(request) is not None
    for key in request.query_params:
        if jsonp and key in ("callback", "_"):  # JSONP's own (``_`` is jQuery's cache buster)
            continue
        values = request.query_params.getlist(key)
        out[key] = values[0] if len(values) == 1 else values
    return out


async def _handle(name: str, request: Request) -> JSONResponse:
    action = READ_ACTIONS.get(name) or WRITE_ACTIONS.get(name)
    if action is None:
        return JSONResponse(f"Bad request: Action name not known: {name[:100]}", status_code=400)
    if request.method == "GET" and name in WRITE_ACTIONS:
        return JSONResponse(POST_ONLY, status_code=400)
    if getattr(request.state, "ckan_bad_token", False):
        exc = errors.NotAuthenticated("invalid, expired or revoked API token")
        return _error_response(request, name, exc)
    if name in WRITE_ACTIONS and not request.state.actor.is_authenticated:
        exc = errors.NotAuthenticated(f"an API token is required to call {name}")
        return _error_response(request, name, exc)
    try:
        params, files = await _read_params(request)
    except _BadBody as bad:
        return JSONResponse(str(bad), status_code=400)
    try:
        result = await run_in_threadpool(action, Call(request, params, files))
    except errors.DomainError as exc:
        return _error_response(request, name, exc)
    except Exception:
        log.exception("CKAN action %s failed", name)
        error = {"__type": "Internal Server Error", "message": "Internal Server Error"}
        return _envelope(request, name, 500, success=False, error=error)
    return _envelope(request, name, 200, success=True, result=result)


def _callback(request: Request) -> str | None:
    """The JSONP callback of a GET request, if it asks for one."""
    if request.method != "GET":
        return None
    return request.query_params.get("callback") or None


async def _respond(name: str, request: Request) -> Response:
    """The action's response, wrapped for JSONP when a GET request names a callback.

    A JSONP call is answered as an anonymous visitor: a page on another site can include it
    as a script, and the browser would send the visitor's cookies along.
    """
    callback = _callback(request)
    if callback is None:
        return await _handle(name, request)
    if len(callback) > _MAX_CALLBACK or not _CALLBACK.fullmatch(callback):
        return JSONResponse("Bad request: invalid JSONP callback name", status_code=400)
    request.state.actor = ANONYMOUS
    request.state.ckan_bad_token = False
    response = await _handle(name, request)
    body = bytes(response.body).decode("utf-8")
    # The leading comment keeps the first bytes from being read as anything but script.
    return Response(
        f"/**/{callback}({body});",
        status_code=response.status_code,
        media_type="application/javascript",
        headers={"X-Content-Type-Options": "nosniff"},
    )


_DEPS = [Depends(ckan_credentials), policy(None)]


@router.api_route(
    "/api/3/action/{name}", methods=["GET", "POST"], dependencies=_DEPS, include_in_schema=False
)
async def action_v3(name: str, request: Request) -> Response:
    """Call a CKAN action (reads by GET or POST, writes by POST as JSON, form or multipart)."""
    return await _respond(name, request)


@router.api_route(
    "/api/action/{name}", methods=["GET", "POST"], dependencies=_DEPS, include_in_schema=False
)
async def action_unversioned(name: str, request: Request) -> Response:
    """The same actions without the version segment (as ckanapi calls them)."""
    return await _respond(name, request)


@router.get("/api/3", dependencies=[policy(None)])
def version_3() -> dict[str, int]:
    """CKAN's API version probe."""
    return {"version": 3}


@router.get("/api", dependencies=[policy(None)])
def version_probe() -> dict[str, int]:
    """CKAN's unversioned probe, which answers version 1 as CKAN does."""
    return {"version": 1}
