"""The native JSON API under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter


def api_routers() -> list[APIRouter]:
    """Every API router, in mounting order. Add a domain's router here."""
    from kaifang.web.api import (
        access,
        accounts,
        audit,
        catalog,
        ckan,
        data,
        data_load,
        dcat,
        feedback,
        governance,
        harvest,
        health,
        search,
        showcase,
        tenancy,
    )

    return [
        health.router,
        accounts.router,
        tenancy.router,
        audit.router,
        search.router,
        catalog.router,
        access.router,
        data.router,
        data_load.router,
        governance.router,
        feedback.router,
        showcase.router,
        ckan.router,
        dcat.router,
        harvest.router,
    ]
