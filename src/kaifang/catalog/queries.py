"""Read-heavy catalogue queries for the workbench and figures; visibility applied everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.catalog.models import Dataset, VocabularyTerm
from kaifang.catalog.visibility import visible_clause


@dataclass(frozen=True)
class DatasetPage:
    items: list[Dataset]
    next_cursor: int | None


def list_datasets(
    session: Session,
    *,
    actor: Actor,
    organization_id: int | None = None,
    status: str | None = None,
    region_prefix: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> DatasetPage:
    """Newest first, keyset-paged by id, restricted to what ``actor`` may see."""
    stmt = select(Dataset).where(visible_clause(actor)).order_by(Dataset.id.desc()).limit(limit + 1)
    if organization_id is not None:
        stmt = stmt.where(Dataset.organization_id == organization_id)
    if status:
        stmt = stmt.where(Dataset.status == status)
    if region_prefix:
        stmt = stmt.where(Dataset.region_code.startswith(region_prefix))
    if before_id is not None:
        stmt = stmt.where(Dataset.id < before_id)
    rows = list(session.scalars(stmt).unique().all())
    more = len(rows) > limit
    rows = rows[:limit]
    return DatasetPage(rows, rows[-1].id if more and rows else None)


def status_counts(
    session: Session, *, actor: Actor, organization_id: int | None = None
) -> dict[str, int]:
    stmt = (
        select(Dataset.status, func.count()).where(visible_clause(actor)).group_by(Dataset.status)
    )
    if organization_id is not None:
        stmt = stmt.where(Dataset.organization_id == organization_id)
    return {s: int(n) for s, n in session.execute(stmt)}


def headline_figures(session: Session, *, actor: Actor) -> dict[str, int]:
    """Datasets, data items, organizations, downloads and API calls of what the actor sees."""
    vis = visible_clause(actor)
    # item_count is kept on the dataset, so no join over every data item is needed.
    datasets, items, downloads, calls, orgs = session.execute(
        select(
            func.count(Dataset.id),
            func.coalesce(func.sum(Dataset.item_count), 0),
            func.coalesce(func.sum(Dataset.downloads), 0),
            func.coalesce(func.sum(Dataset.api_calls), 0),
            func.count(func.distinct(Dataset.organization_id)),
        ).where(vis)
    ).one()
    return {
        "datasets": int(datasets),
        "items": int(items),
        "organizations": int(orgs),
        "downloads": int(downloads),
        "api_calls": int(calls),
    }


def domain_counts(session: Session, *, actor: Actor) -> list[tuple[VocabularyTerm, int]]:
    """Each active domain with the number of visible datasets in it."""
    counts: dict[str, int] = {}
    for (domains,) in session.execute(select(Dataset.domains).where(visible_clause(actor))):
        for code in domains or []:
            counts[code] = counts.get(code, 0) + 1
    terms = session.scalars(
        select(VocabularyTerm)
        .where(VocabularyTerm.kind == "domain", VocabularyTerm.active.is_(True))
        .order_by(VocabularyTerm.number)
    ).all()
    return [(t, counts.get(t.code, 0)) for t in terms]


def top_datasets(session: Session, *, actor: Actor, order: str, limit: int = 6) -> list[Dataset]:
    """Visible published datasets, newest first or most used (downloads + API calls) first."""
    stmt = select(Dataset).where(visible_clause(actor), Dataset.status == "published").limit(limit)
    if order == "newest":
        stmt = stmt.order_by(Dataset.first_published_at.desc(), Dataset.id.desc())
    else:
        stmt = stmt.order_by(
            (Dataset.downloads + Dataset.api_calls + Dataset.views).desc(), Dataset.id.desc()
        )
    return list(session.scalars(stmt).unique().all())
