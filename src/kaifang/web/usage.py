"""Queues a usage event (page view, download, data-API call) for the batched usage writer."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kaifang.governance.usage import UsageKind, UsageRecord, install_usage_log, user_key
from kaifang.web.deps import get_runtime
from kaifang.web.middleware import client_ip


def record_usage(request: Request, kind: UsageKind, dataset: Any) -> None:
    """Queue one use of a published dataset; never touches the database on the request path."""
    if getattr(dataset, "status", None) != "published":
        return
    runtime = get_runtime(request)
    actor = getattr(request.state, "actor", None)
    identity = getattr(request.state, "api_key", None)
    key = user_key(
        user_id=getattr(actor, "user_id", None),
        key_id=getattr(identity, "key_id", None),
        address=client_ip(request.scope, runtime.settings.trusted_proxies),
        agent=request.headers.get("user-agent", ""),
    )
    record = UsageRecord(kind, dataset.id, dataset.organization_id, dataset.region_code, key)
    install_usage_log(runtime).add(record)
