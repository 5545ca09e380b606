"""The portal home page: search, headline figures, domain tiles, newest and most used datasets,
featured apps.

Everything on it is public and catalogue-wide, and counting a 100,000-dataset catalogue takes
far longer than a page may, so the figures and lists are a snapshot of plain values kept for
``KAIFANG_HOME_CACHE_SECONDS`` per process and then rebuilt in the background while the old
one is still served (0 turns the snapshot off). The first snapshot is counted in the background
when the process starts.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kaifang.auth.actor import ANONYMOUS, Actor
from kaifang.catalog import queries
from kaifang.runtime import Runtime
from kaifang.showcase import service as showcase_service
from kaifang.web.deps import get_runtime, policy
from kaifang.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
HOME_APPS = 4
SNAPSHOT_KEY = "home_snapshot"
FIGURE_LABELS = (
    ("datasets", "Datasets"),
    ("items", "Data items"),
    ("organizations", "Organizations"),
    ("downloads", "Downloads"),
    ("api_calls", "API calls"),
)


@dataclass(frozen=True)
class DomainTile:
    """A domain as its tile shows it."""

    code: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class DatasetLink:
    """A dataset in the newest and most used lists."""

    id: int
    title: str
    organization_name: str
    downloads: int


@dataclass(frozen=True)
class AppCard:
    """A showcase app as its card shows it."""

    id: int
    name: str
    description: str
    featured: bool
    dataset_ids: tuple[int, ...]
    screenshot_key: str | None = None


@router.get("/")
def home(request: Request, actor: Actor = policy(None)) -> Response:
    """Public figures only: the home page shows what anonymous visitors can see."""
    return render(request, "home.html", _snapshot(request))


def _snapshot(request: Request) -> dict[str, Any]:
    """The current snapshot; an expired one is served while a thread rebuilds it."""
    runtime = get_runtime(request)
    if runtime.settings.home_cache_seconds <= 0:
        with runtime.db.unit_of_work(write=False) as session:
            return _build(session)
    lock = _lock(runtime)
    cached = runtime.extras.get(SNAPSHOT_KEY)
    if cached is None:
        # The start-up warm-up may be counting already: wait for it instead of counting twice.
        with lock:
            cached = runtime.extras.get(SNAPSHOT_KEY) or _store(runtime)
    elif cached[0] <= time.monotonic() and lock.acquire(blocking=False):
        # Only the first visitor after expiry would otherwise wait for the recount.
        threading.Thread(target=_refresh, args=(runtime, lock), daemon=True).start()
    return dict(cached[1])


def warm_up(runtime: Runtime) -> None:
    """Count the first snapshot in the background as the process starts, so no visitor waits."""
    if runtime.settings.home_cache_seconds <= 0:
        return
    lock = _lock(runtime)
    lock.acquire()
    threading.Thread(target=_refresh, args=(runtime, lock), daemon=True).start()


def _lock(runtime: Runtime) -> threading.Lock:
    lock: threading.Lock = runtime.extras.setdefault(SNAPSHOT_KEY + "_lock", threading.Lock())
    return lock


def _refresh(runtime: Runtime, lock: threading.Lock) -> None:
    try:
        _store(runtime)
    except Exception:  # the old snapshot (or the next visitor's count) stands in
        log.exception("rebuilding the home page snapshot failed")
    finally:
        lock.release()


def _store(runtime: Runtime) -> tuple[float, dict[str, Any]]:
    with runtime.db.unit_of_work(write=False) as session:
        entry = (time.monotonic() + runtime.settings.home_cache_seconds, _build(session))
    runtime.extras[SNAPSHOT_KEY] = entry
    return entry


def _build(session: Session) -> dict[str, Any]:
    numbers = queries.headline_figures(session, actor=ANONYMOUS)
    domains = queries.domain_counts(session, actor=ANONYMOUS)
    return {
        "figures": [(label, f"{numbers[key]:,}") for key, label in FIGURE_LABELS],
        "domains": [(DomainTile(t.code, t.label_zh, t.label_en), n) for t, n in domains if n],
        "newest": _links(session, "newest"),
        "popular": _links(session, "popular"),
        "apps": _featured_apps(session),
    }


def _links(session: Session, order: str) -> list[DatasetLink]:
    datasets = queries.top_datasets(session, actor=ANONYMOUS, order=order)
    return [DatasetLink(d.id, d.title, d.organization.name, d.downloads) for d in datasets]


def _featured_apps(session: Session) -> list[AppCard]:
    """Featured apps; the newest approved ones while none is featured."""
    apps = showcase_service.list_apps(session, featured_only=True, limit=HOME_APPS)
    apps = apps or showcase_service.list_apps(session, limit=HOME_APPS)
    return [
        AppCard(a.id, a.name, a.description, a.featured, tuple(a.dataset_ids), a.screenshot_key)
        for a in apps
    ]
