"""Governance use cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.governance.models import BaselineFigure


def set_baseline(
    session: Session, *, organization_id: int, year: int, datasets: int, items: int, source: str
) -> BaselineFigure:
    """Record (or replace) an organization's figures for ``year``."""
    row = session.scalars(
        select(BaselineFigure).where(
            BaselineFigure.organization_id == organization_id, BaselineFigure.year == year
        )
    ).first()
    if row is None:
        row = BaselineFigure(organization_id=organization_id, year=year)
        session.add(row)
    row.datasets, row.items, row.source = datasets, items, source
    return row


def baseline_totals(session: Session, *, year: int) -> tuple[int, int]:
    """Platform-wide datasets and items for ``year``."""
    rows = session.scalars(select(BaselineFigure).where(BaselineFigure.year == year)).all()
    return sum(r.datasets for r in rows), sum(r.items for r in rows)
