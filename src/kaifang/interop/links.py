"""Checking the URLs of link resources: does each still answer?

A link resource has no loaded version, only an http(s) URL (harvested distributions, links an
officer added). The daily job ``interop.check_links`` checks those of published datasets,
the longest-unchecked first, through the SSRF-safe fetcher: a 200 answer is ``ok`` (only the
first 64 KB are read), another status, a timeout or a refused connection is ``broken`` with
the reason, and an address the platform may not fetch (private, loopback, a blocked port) is
``unchecked``. Each check is written in its own short transaction, after the network wait; a
change between ok and broken is audited.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from kaifang.audit import service as audit_service
from kaifang.auth.actor import SYSTEM
from kaifang.catalog.models import Dataset, Resource
from kaifang.config import Settings
from kaifang.db import Database, utcnow
from kaifang.errors import DomainError, InvalidInput, TooLarge
from kaifang.ingest.fetch import fetch_url
from kaifang.jobs import JobContext, register

log = logging.getLogger(__name__)

CHECK_LINKS = "interop.check_links"
LINK_OK, LINK_BROKEN, LINK_UNCHECKED = "ok", "broken", "unchecked"
PROBE_BYTES = 64 * 1024
TIMEOUT_SECONDS = 20.0
# One run stops in time for its job lease (3600 s); the next day goes on with the rest.
RUN_SECONDS = 2400.0


@dataclass(frozen=True)
class LinkCheck:
    status: str
    detail: str = ""


def check_url(url: str, settings: Settings) -> LinkCheck:
    """Fetch the start of ``url`` with the platform's fetch rules and say what it answered."""
    if not url.lower().startswith(("http://", "https://")):
        return LinkCheck(LINK_UNCHECKED, "不是 http(s) 地址 (not an http(s) address)")
    root = settings.data_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kf-link-", dir=root) as tmp:
        try:
            fetch_url(
                url,
                dest_dir=Path(tmp),
                max_bytes=PROBE_BYTES,
                timeout_seconds=TIMEOUT_SECONDS,
                trusted_hosts=settings.harvest_trusted_hosts,
            )
        except TooLarge:  # it answered 200 with more than the probe reads
            return LinkCheck(LINK_OK)
        except InvalidInput as exc:  # the address or port is one the platform may not fetch
            return LinkCheck(LINK_UNCHECKED, exc.message[:300])
        except DomainError as exc:
            return LinkCheck(LINK_BROKEN, exc.message[:300])
    return LinkCheck(LINK_OK)


def due_links(db: Database, *, now: dt.datetime, interval_days: int, limit: int) -> list[int]:
    """Link resources of published datasets not checked within ``interval_days``, oldest first."""
    stale = now - dt.timedelta(days=interval_days)
    stmt = (
        select(Resource.id)
        .join(Dataset, Dataset.id == Resource.dataset_id)
        .where(
            Dataset.status == "published",
            Resource.current_version_id.is_(None),
            Resource.url != "",
            or_(Resource.link_checked_at.is_(None), Resource.link_checked_at < stale),
        )
        .order_by(Resource.link_checked_at.is_not(None), Resource.link_checked_at, Resource.id)
        .limit(limit)
    )
    with db.unit_of_work(write=False) as session:
        return list(session.scalars(stmt))


def check_links(
    db: Database,
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    run_seconds: float = RUN_SECONDS,
) -> dict[str, int]:
    """Check the due links, for at most ``run_seconds``; how many ended ok, broken, unchecked."""
    now = now or utcnow()
    deadline = time.monotonic() + run_seconds
    counts = {LINK_OK: 0, LINK_BROKEN: 0, LINK_UNCHECKED: 0}
    ids = due_links(
        db,
        now=now,
        interval_days=settings.link_check_interval_days,
        limit=settings.link_check_batch,
    )
    for resource_id in ids:
        if time.monotonic() > deadline:
            log.info("link check stopped at its time limit; the rest is checked next time")
            break
        with db.unit_of_work(write=False) as session:
            resource = session.get(Resource, resource_id)
            url = resource.url if resource is not None else ""
        if not url:
            continue
        result = check_url(url, settings)
        counts[result.status] += 1
        _record(db, resource_id, result, now)
    return counts


def _record(db: Database, resource_id: int, result: LinkCheck, now: dt.datetime) -> None:
    with db.unit_of_work() as session:
        resource = session.get(Resource, resource_id)
        if resource is None:
            return
        before = resource.link_status
        resource.link_status, resource.link_detail = result.status, result.detail
        resource.link_checked_at = now
        if {before, result.status} == {LINK_OK, LINK_BROKEN}:
            audit_service.record(
                session,
                action="resource.link_check",
                actor=SYSTEM,
                object_type="resource",
                object_id=resource.id,
                details={"from": before, "to": result.status, "detail": result.detail},
            )


@register(CHECK_LINKS, max_attempts=2, lease_seconds=3600.0, daily=True)
def check_links_job(ctx: JobContext, payload: dict[str, Any]) -> dict[str, int]:
    """The daily run: check the links that are due."""
    return check_links(ctx.db, ctx.settings)
