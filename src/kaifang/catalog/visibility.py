"""Who may see which catalogue entries: one predicate used by every list, count and facet."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from kaifang.auth.actor import Actor
from kaifang.catalog.models import Dataset

PUBLIC_STATUSES = ("published",)


def can_see_unpublished(actor: Actor, dataset: Dataset) -> bool:
    """Drafts are visible to their organization and to reviewers/admins/auditors of the region."""
    from kaifang.auth.policy import can

    return can(actor, "dataset.read_unpublished", dataset)


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL condition selecting exactly the datasets ``actor`` may know exist."""
    public = Dataset.status.in_(PUBLIC_STATUSES)
    if actor.role == "system":
        return true()
    if actor.role == "officer" and actor.organization_id is not None:
        return or_(public, Dataset.organization_id == actor.organization_id)
    if actor.role in ("reviewer", "admin", "auditor"):
        if actor.region_scope is None:
            return true()
        return or_(public, Dataset.region_code.startswith(actor.region_scope))
    return or_(public, false())


def is_visible(actor: Actor, dataset: Dataset) -> bool:
    return dataset.status in PUBLIC_STATUSES or can_see_unpublished(actor, dataset)


def data_is_open(dataset: Dataset) -> bool:
    """Whether any data of the dataset may be served at all (closed datasets never are)."""
    return dataset.status == "published" and dataset.open_attribute != "closed"
