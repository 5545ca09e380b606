"""Server-rendered pages (Jinja2); every page reads without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter


def page_routers() -> list[APIRouter]:
    """Every page router, in mounting order (more specific paths first)."""
    from kaifang.web.pages import (
        access,
        accounts,
        admin,
        datasets,
        developer,
        directory,
        feedback,
        home,
        register,
        review,
        search,
        showcase,
        workbench,
        workbench_edit,
    )

    return [
        home.router,
        feedback.router,
        showcase.router,
        accounts.router,
        register.router,
        search.router,
        datasets.router,
        directory.router,
        developer.router,
        workbench_edit.router,
        review.router,
        admin.router,
        workbench.router,
        access.router,
    ]
