"""Tables of the app showcase."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kaifang.db import Base, UTCDateTime, utcnow

APP_STATES = ("submitted", "approved", "rejected")


class ShowcaseApp(Base):
    """An app that uses open datasets, submitted by a user and shown once an admin approves it."""

    __tablename__ = "showcase_apps"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Blob key (SHA-256) of the re-encoded WebP screenshot, if the submitter attached one.
    screenshot_key: Mapped[str | None] = mapped_column(String(64), nullable=True)

    uses: Mapped[list[ShowcaseAppDataset]] = relationship(
        back_populates="app", cascade="all, delete-orphan", order_by="ShowcaseAppDataset.dataset_id"
    )

    @property
    def user_id(self) -> int:
        """The submitter, for the policy's ``owner`` rule."""
        return self.submitter_id

    @property
    def dataset_ids(self) -> list[int]:
        return [u.dataset_id for u in self.uses]


class ShowcaseAppDataset(Base):
    """A dataset an app says it uses."""

    __tablename__ = "showcase_app_datasets"

    app_id: Mapped[int] = mapped_column(
        ForeignKey("showcase_apps.id", ondelete="CASCADE"), primary_key=True
    )
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), primary_key=True, index=True)

    app: Mapped[ShowcaseApp] = relationship(back_populates="uses")
