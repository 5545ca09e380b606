"""Recording and listing a user's downloads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.activity.models import DownloadRecord
from kaifang.auth.actor import Actor
from kaifang.auth.service import authorize
from kaifang.catalog.models import Dataset

MAX_QUERY_CHARS = 1000


def record_download(
    session: Session, *, actor: Actor, dataset_id: int, fmt: str, query: str = ""
) -> DownloadRecord | None:
    """Remember a signed-in user's export (with its filter) so they can fetch it again."""
    if actor.user_id is None:
        return None
    row = DownloadRecord(
        user_id=actor.user_id, dataset_id=dataset_id, fmt=fmt, query=query[:MAX_QUERY_CHARS]
    )
    session.add(row)
    return row


@dataclass(frozen=True)
class DownloadEntry:
    """A past download with the dataset's title, for My account."""

    dataset_id: int
    title: str
    fmt: str
    query: str
    created_at: dt.datetime


def my_downloads(session: Session, *, actor: Actor, limit: int = 50) -> list[DownloadEntry]:
    """The actor's downloads, newest first."""
    authorize(actor, "account.read_own")
    rows = session.execute(
        select(DownloadRecord, Dataset.title)
        .join(Dataset, Dataset.id == DownloadRecord.dataset_id)
        .where(DownloadRecord.user_id == actor.user_id)
        .order_by(DownloadRecord.id.desc())
        .limit(limit)
    ).all()
    return [DownloadEntry(r.dataset_id, title, r.fmt, r.query, r.created_at) for r, title in rows]
