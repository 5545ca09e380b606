"""`kaifang harvest run|list|due` against a second live instance over loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaifang.auth.actor import SYSTEM
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.cli import common
from kaifang.cli.main import app
from kaifang.interop.harvest import service
from kaifang.interop.harvest.schemas import SourceIn
from tests import factories
from tests.interop.harvest.instances import SourceInstance, kaifang_instance

runner = CliRunner()


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[SourceInstance]:
    with kaifang_instance(tmp_path / "source") as instance:
        yield instance


@pytest.fixture
def data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, remote: SourceInstance
) -> Iterator[Path]:
    monkeypatch.setenv("KAIFANG_DATA_DIR", str(tmp_path / "target"))
    monkeypatch.setenv("KAIFANG_QUEUE_BACKEND", "memory")
    monkeypatch.setenv("KAIFANG_HARVEST_TRUSTED_HOSTS", json.dumps([remote.host]))
    monkeypatch.delenv("KAIFANG_DATABASE_URL", raising=False)
    common.runtime.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    common.runtime.cache_clear()
    with common.runtime().db.unit_of_work() as session:
        seed_vocabularies(session)
        org = factories.organization(session, region_code="3310")
        data = SourceIn(name="county", kind="ckan", url=remote.url, organization_id=org.id)
        service.create_source(session, actor=SYSTEM, data=data)
    yield tmp_path
    common.runtime.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    common.runtime.cache_clear()
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + (result.stderr or "")


def test_run_twice_then_list(data_dir: Path) -> None:
    code, out = _run("harvest", "run", "county")
    assert code == 0, out
    assert "succeeded: created 3, updated 0, unchanged 0, deleted 0, failed 0" in out
    code, out = _run("harvest", "run", "county")
    assert code == 0 and "created 0, updated 0, unchanged 3" in out
    code, out = _run("harvest", "list")
    assert code == 0 and "county\tckan\tmanual\tenabled" in out and "succeeded" in out
    code, out = _run("harvest", "due")
    assert code == 0 and "queued 0 run(s)" in out
    code, out = _run("harvest", "run", "no-such-source")
    assert code == 2 and "not found" in out
