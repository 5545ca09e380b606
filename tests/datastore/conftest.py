"""Fixtures: the sample table written as Parquet and served through a catalog.

The served sample is read-only, so one build is shared by the whole session; tests that
rebuild or replace files make their own catalog from ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kaifang.datastore import DataAccess, ServingCatalog, ServingHandle

from .tables import sample_table, write_parquet


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[ServingCatalog]:
    cat = ServingCatalog(tmp_path / "serving")
    yield cat
    cat.close()


@pytest.fixture(scope="session")
def shared_catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServingCatalog]:
    cat = ServingCatalog(tmp_path_factory.mktemp("serving"))
    yield cat
    cat.close()


@pytest.fixture(scope="session")
def handle(
    tmp_path_factory: pytest.TempPathFactory, shared_catalog: ServingCatalog
) -> ServingHandle:
    parquet = write_parquet(sample_table(), tmp_path_factory.mktemp("src") / "sample.parquet")
    return shared_catalog.ensure("sample-v1", parquet)


@pytest.fixture
def public(handle: ServingHandle) -> DataAccess:
    return DataAccess.public(handle.columns)
