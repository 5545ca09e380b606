"""Command-line fixtures: a fresh SQLite data directory per test, migrated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaifang.cli import common
from kaifang.cli.main import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("KAIFANG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KAIFANG_QUEUE_BACKEND", "memory")
    monkeypatch.delenv("KAIFANG_DATABASE_URL", raising=False)
    common.runtime.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    yield tmp_path
    common.runtime.cache_clear()
