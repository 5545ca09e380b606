"""CKAN resource actions: show, create, update, patch and delete.

A new upload (multipart field ``upload``) or a new external URL starts ingestion of a new
version of the resource; metadata-only changes (name, description, format) apply at once.
"""

from __future__ import annotations

from typing import Any

from kaifang.catalog import resources as resource_service
from kaifang.catalog.models import Resource
from kaifang.errors import NotFound
from kaifang.interop import ckan
from kaifang.interop import ckan_input as ckan_in
from kaifang.web.api.ckan_actions import Call, find_visible, required
from kaifang.web.api.data import _start_ingest

METADATA_KEYS = ("name", "description", "format")


def _resource_id(call: Call) -> int:
    ref = required(call.params, "id")
    if not ref.isdigit():
        raise NotFound("Resource not found")
    return int(ref)


def resource_show(call: Call) -> dict[str, Any]:
    resource_id = _resource_id(call)
    with call.runtime.db.unit_of_work(write=False) as session:
        resource = resource_service.get_resource(session, actor=call.actor, resource_id=resource_id)
        dataset = resource.dataset
        position = dataset.resources.index(resource)
        return ckan.resource_dict(dataset, resource, call.links(), position)


def _checked_url(url: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        raise ckan_in.CKANValidationError({"url": ["Only http and https URLs can be fetched"]})
    return url


def _upload_payload(call: Call) -> dict[str, Any] | None:
    """The stored upload as an ingest payload, or None when the call has no file."""
    upload = call.files.get("upload")
    if upload is None:
        return None
    runtime = call.runtime
    info = runtime.blobs.put_stream(upload.file, max_bytes=runtime.settings.max_upload_bytes)
    return {"source_key": info.key, "filename": upload.filename or "upload", "sheet": None}


def _url_payload(url: str) -> dict[str, Any]:
    return {"url": _checked_url(url), "filename": url.rsplit("/", 1)[-1][:200], "sheet": None}


def _with_job(call: Call, resource_id: int, job_id: int | None) -> dict[str, Any]:
    call.params["id"] = str(resource_id)
    out = resource_show(call)
    if job_id is not None:
        out["kaifang_job_id"] = job_id
    return out


def resource_create(call: Call) -> dict[str, Any]:
    ref = required(call.params, "package_id")
    with call.runtime.db.unit_of_work(write=False) as session:
        dataset_id = find_visible(session, call, ref).id
    payload = _upload_payload(call)
    if payload is None:
        payload = _url_payload(required(call.params, "url"))
    name = str(call.params.get("name") or payload["filename"] or "resource")
    started = _start_ingest(call.runtime, call.actor, dataset_id, None, name, payload)
    resource_id = int(started["resource"]["id"])
    changes = _metadata_changes(call.params, keys=("description", "format"))
    if changes:
        with call.runtime.db.unit_of_work() as session:
            resource_service.update_resource(
                session, actor=call.actor, resource_id=resource_id, changes=changes
            )
    return _with_job(call, resource_id, started["job_id"])


def _metadata_changes(params: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    return {k: str(params[k] or "") for k in keys if k in params and params[k] is not None}


def _is_new_url(call: Call, resource: Resource) -> bool:
    """A URL other than the resource's own (and other than the one we publish for it)."""
    url = str(call.params.get("url") or "")
    if not url or url == resource.url:
        return False
    return url != call.links().resource_url(resource.dataset, resource)


def _change(call: Call, *, replace: bool) -> dict[str, Any]:
    """resource_update (omitted description is cleared) and resource_patch (merge)."""
    resource_id = _resource_id(call)
    changes = _metadata_changes(call.params, METADATA_KEYS)
    if replace:
        changes.setdefault("description", "")
    with call.runtime.db.unit_of_work() as session:
        resource = resource_service.get_resource(session, actor=call.actor, resource_id=resource_id)
        payload = _upload_payload(call)
        if payload is None and _is_new_url(call, resource):
            payload = _url_payload(str(call.params["url"]))
            changes["url"] = payload["url"]
        resource_service.update_resource(
            session, actor=call.actor, resource_id=resource_id, changes=changes
        )
        dataset_id, name = resource.dataset_id, resource.name
    job_id = None
    if payload is not None:
        started = _start_ingest(call.runtime, call.actor, dataset_id, resource_id, name, payload)
        job_id = started["job_id"]
    return _with_job(call, resource_id, job_id)


def resource_update(call: Call) -> dict[str, Any]:
    return _change(call, replace=True)


def resource_patch(call: Call) -> dict[str, Any]:
    return _change(call, replace=False)


def resource_delete(call: Call) -> None:
    resource_id = _resource_id(call)
    with call.runtime.db.unit_of_work() as session:
        resource_service.delete_resource(session, actor=call.actor, resource_id=resource_id)
