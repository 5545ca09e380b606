"""The actor: who is acting, with which role and tenant scope."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """An authenticated user or the anonymous visitor, as the policy sees them."""

    user_id: int | None = None
    username: str = ""
    role: str = "anonymous"
    organization_id: int | None = None
    organization_region: str | None = None
    region_scope: str | None = None
    via: str = "anonymous"

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def tenant(self) -> str:
        """The tenant recorded in the audit log: the organization, else the region scope."""
        if self.organization_id is not None:
            return f"org:{self.organization_id}"
        return f"region:{self.region_scope}" if self.region_scope else "platform"


ANONYMOUS = Actor()
SYSTEM = Actor(user_id=None, username="system", role="system", via="system")
