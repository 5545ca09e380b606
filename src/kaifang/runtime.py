"""The running platform's infrastructure, built once from settings (web, CLI and worker share it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kaifang.config import Settings
from kaifang.db import Database, make_engine
from kaifang.jobs import JobQueue, make_job_queue
from kaifang.storage import BlobStore, make_blob_store


@dataclass
class Runtime:
    """Settings plus the stores they select; passed down instead of globals."""

    settings: Settings
    db: Database
    blobs: BlobStore
    queue: JobQueue
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def audit_anchor(self) -> Path:
        return self.settings.data_dir / "audit" / "anchor.json"

    @property
    def cache_dir(self) -> Path:
        """Rebuildable local files (DuckDB serving files, export temp files)."""
        return self.settings.data_dir / "cache"


def build_runtime(settings: Settings, *, db: Database | None = None) -> Runtime:
    """Create engines and backends for ``settings``; ``db`` lets tests inject a bound Database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = db or Database(make_engine(settings))
    return Runtime(
        settings=settings,
        db=database,
        blobs=make_blob_store(settings),
        queue=make_job_queue(settings, database),
    )
