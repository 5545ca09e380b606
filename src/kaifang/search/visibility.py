"""The catalogue's visibility rule, applied to index entries inside every search query."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true

from kaifang.auth.actor import Actor
from kaifang.catalog.visibility import PUBLIC_STATUSES
from kaifang.search.models import SearchEntry


def visible_entries(actor: Actor) -> ColumnElement[bool]:
    """SQL condition selecting the entries ``actor`` may know exist (as catalog/visibility.py)."""
    public = SearchEntry.status.in_(PUBLIC_STATUSES)
    if actor.role == "system":
        return true()
    if actor.role == "officer" and actor.organization_id is not None:
        return or_(public, SearchEntry.organization_id == actor.organization_id)
    if actor.role in ("reviewer", "admin", "auditor"):
        if actor.region_scope is None:
            return true()
        return or_(public, SearchEntry.region_code.startswith(actor.region_scope, autoescape=True))
    return public


def sees_only_public(actor: Actor) -> bool:
    """True when ``actor`` sees nothing but published entries (the common, cheapest case)."""
    if actor.role == "officer":
        return actor.organization_id is None
    return actor.role not in ("system", "reviewer", "admin", "auditor")
