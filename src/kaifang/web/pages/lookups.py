"""Read helpers the pages need on top of the catalogue and governance services.

Everything here goes through the domain queries (so visibility is applied) except two small
reads the domains do not offer yet, marked below; they belong in ``catalog.queries`` and
``governance.service`` and are kept here, in one place, until they move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.auth.policy import can
from kaifang.catalog import queries
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import Dataset, DatasetRevision
from kaifang.errors import NotFound
from kaifang.governance.models import BaselineFigure

BATCH = 500


def iter_datasets(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    organization_id: int | None = None,
    region_prefix: str | None = None,
    before_id: int | None = None,
) -> Iterator[Dataset]:
    """Every dataset ``actor`` may see, newest first, fetched in keyset-paged batches."""
    cursor = before_id
    while True:
        page = queries.list_datasets(
            session,
            actor=actor,
            status=status,
            organization_id=organization_id,
            region_prefix=region_prefix,
            before_id=cursor,
            limit=BATCH,
        )
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


@dataclass
class DatasetPage:
    """One page of a listing and the cursor of the next (None on the last page)."""

    items: list[Dataset]
    next_cursor: int | None


def page_of(
    datasets: Iterator[Dataset], *, limit: int, keep: Callable[[Dataset], bool] = lambda _d: True
) -> DatasetPage:
    """The first ``limit`` datasets that ``keep`` accepts, with the cursor after them."""
    out: list[Dataset] = []
    for dataset in datasets:
        if keep(dataset):
            out.append(dataset)
            if len(out) > limit:
                break
    more = len(out) > limit
    out = out[:limit]
    return DatasetPage(out, out[-1].id if more and out else None)


@dataclass
class Figures:
    """Totals over a set of published datasets."""

    datasets: int = 0
    items: int = 0
    rows: int = 0
    downloads: int = 0
    api_calls: int = 0
    domains: set[str] = field(default_factory=set)

    def add(self, dataset: Dataset) -> None:
        """Count one more dataset into the totals."""
        self.datasets += 1
        self.items += dataset.item_count
        self.rows += dataset.row_count
        self.downloads += dataset.downloads
        self.api_calls += dataset.api_calls
        self.domains.update(dataset.domains or [])


def figures_by_organization(session: Session, *, actor: Actor) -> dict[int, Figures]:
    """Published totals per organization id (organizations without any are absent)."""
    out: dict[int, Figures] = {}
    for dataset in iter_datasets(session, actor=actor, status="published"):
        out.setdefault(dataset.organization_id, Figures()).add(dataset)
    return out


def figures_of(session: Session, *, actor: Actor, organization_id: int) -> Figures:
    """Published totals of one organization."""
    figures = Figures()
    for dataset in iter_datasets(
        session, actor=actor, status="published", organization_id=organization_id
    ):
        figures.add(dataset)
    return figures


def baseline(session: Session, *, organization_id: int, year: int) -> BaselineFigure | None:
    """The organization's figures for ``year`` if recorded (belongs in governance.service)."""
    return session.scalars(
        select(BaselineFigure).where(
            BaselineFigure.organization_id == organization_id, BaselineFigure.year == year
        )
    ).first()


def revisions_under_review(
    session: Session, *, actor: Actor
) -> list[tuple[Dataset, DatasetRevision]]:
    """Submitted revisions of published datasets ``actor`` may review (belongs in catalog)."""
    revisions = session.scalars(
        select(DatasetRevision)
        .where(DatasetRevision.status == "submitted")
        .order_by(DatasetRevision.id)
    ).all()
    out = []
    for revision in revisions:
        try:
            dataset = catalog_service.get_dataset(
                session, actor=actor, dataset_id=revision.dataset_id
            )
        except NotFound:
            continue
        if can(actor, "dataset.review", catalog_service.target_of(dataset)):
            out.append((dataset, revision))
    return out


def submission_notes(session: Session, *, actor: Actor, datasets: list[Dataset]) -> dict[int, str]:
    """The organization's note on the latest submission of each dataset (empty when none)."""
    notes = {}
    for dataset in datasets:
        events, _changes = catalog_service.history(session, actor=actor, dataset_id=dataset.id)
        latest = next((e for e in events if e.action in ("submit", "submit_revision")), None)
        notes[dataset.id] = latest.comment if latest else ""
    return notes


def reviewable(session: Session, *, actor: Actor, status: str) -> list[Dataset]:
    """Datasets in ``status`` that ``actor`` may review or publish, oldest first."""
    action = "dataset.publish" if status == "approved" else "dataset.review"
    found = [
        d
        for d in iter_datasets(session, actor=actor, status=status)
        if can(actor, action, catalog_service.target_of(d))
    ]
    return sorted(found, key=lambda d: d.id)
