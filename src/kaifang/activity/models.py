"""Per-user activity tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kaifang.db import Base, UTCDateTime, utcnow


class DownloadRecord(Base):
    """One export a signed-in user downloaded: which dataset, which format, which view."""

    __tablename__ = "user_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    fmt: Mapped[str] = mapped_column(String(20))
    query: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
