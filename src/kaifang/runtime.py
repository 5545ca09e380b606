"""The running platform's infrastructure, built once from settings (web, CLI and worker share it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kaifang.config import Settings
from kaifang.db import Database, make_engine


@dataclass
class Runtime:
    """Settings plus the stores they select; passed down instead of globals."""

    settings: Settings
    db: Database
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def audit_anchor(self) -> Path:
        return self.settings.data_dir / "audit" / "anchor.json"


def build_runtime(settings: Settings, *, db: Database | None = None) -> Runtime:
    """Create engines and backends for ``settings``; ``db`` lets tests inject a bound Database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Runtime(settings=settings, db=db or Database(make_engine(settings)))
