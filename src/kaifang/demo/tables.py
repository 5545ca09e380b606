"""Attaches demo tables to demo datasets through the real ingest path (same typing, scans, versions)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.catalog import resources as resource_service
from kaifang.catalog.models import Dataset
from kaifang.config import Settings
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.tasks import build_serving, prepare_version, record_prepared, work_root
from kaifang.storage import BlobStore

Table = tuple[list[str], list[list[object]]]


def make_attacher(settings: Settings, blobs: BlobStore):  # type: ignore[no-untyped-def]
    """A callback for ``load_demo_catalog`` that loads a table as the dataset's first resource."""

    def attach(session: Session, dataset: Dataset, filename: str, table: Table) -> None:
        with tempfile.TemporaryDirectory(prefix="kf-demo-", dir=work_root(settings)) as tmp:
            work = Path(tmp)
            source = work / "source.csv"
            _write_csv(source, table)
            info = blobs.put_file(source)
            resource = resource_service.create_resource(
                session,
                actor=SYSTEM,
                dataset_id=dataset.id,
                name=filename.rsplit(".", 1)[0],
                fmt="CSV",
            )
            options = IngestOptions(output_path=work / "data.parquet", work_dir=work)
            prepared = prepare_version(
                blobs, source, source_key=info.key, filename=filename, options=options
            )
            number = record_prepared(
                session, prepared, resource_id=resource.id, user_id=None, filename=filename
            )
            build_serving(settings, prepared, resource_id=resource.id, number=number)

    return attach


def _write_csv(path: Path, table: Table) -> None:
    header, rows = table
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
