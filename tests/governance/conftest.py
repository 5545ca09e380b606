"""Governance fixtures: its tables (until the migration includes them), vocabularies, helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy.orm import Session

from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.db import Base
from kaifang.governance.models import (
    IndexSnapshot,
    OpenList,
    OpenListRow,
    PlanSetting,
    ReadinessValue,
    StoredReport,
    UsageEvent,
)
from kaifang.governance.usage import UsageRecord

GOVERNANCE_TABLES = [
    t.__table__
    for t in (
        OpenList,
        OpenListRow,
        PlanSetting,
        ReadinessValue,
        IndexSnapshot,
        UsageEvent,
        StoredReport,
    )
]
HEADER = [
    "单位名称",
    "开放领域",
    "开放数据集",
    "无条件开放数据项",
    "受限开放数据项",
    "归集开放时间",
]


@pytest.fixture(autouse=True)
def _governance_tables(request: pytest.FixtureRequest) -> None:
    if "session" in request.fixturenames:
        session: Session = request.getfixturevalue("session")
        Base.metadata.create_all(bind=session.connection(), tables=GOVERNANCE_TABLES)
        seed_vocabularies(session)


def workbook(rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER) -> bytes:
    """An XLSX with a title line, the header and ``rows`` (dates written as dates)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("清单")
    date_format = book.add_format({"num_format": "yyyy-mm"})
    sheet.write_row(0, 0, ["2021年公共数据开放清单"])
    sheet.write_row(1, 0, list(header))
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            else:
                sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def published_on(dataset: object, day: dt.date) -> None:
    """Backdate a dataset's first publication to noon (China time) of ``day``."""
    moment = dt.datetime.combine(day, dt.time(4, 0), dt.UTC)
    dataset.first_published_at = moment  # type: ignore[attr-defined]
    dataset.last_updated_at = moment  # type: ignore[attr-defined]


def used(
    session: Session, dataset: Any, kind: str, *, on: dt.date, users: Sequence[str] = ("u:1",)
) -> None:
    """Add one usage event per user of ``dataset`` at noon China time on ``on``."""
    moment = dt.datetime.combine(on, dt.time(4), tzinfo=dt.UTC)
    for user in users:
        record = UsageRecord(
            kind, dataset.id, dataset.organization_id, dataset.region_code, user, moment
        )
        session.add(UsageEvent(**dataclasses.asdict(record)))
    session.flush()
