"""Server-rendered pages (Jinja2); every page reads without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter


def page_routers() -> list[APIRouter]:
    """Every page router, in mounting order (more specific paths first)."""
    from kaifang.web.pages import (
        access,
        access_apply,
        access_review,
        accounts,
        admin,
        datasets,
        developer,
        developer_keys,
        directory,
        feedback,
        governance,
        harvest,
        home,
        register,
        review,
        search,
        showcase,
        workbench,
        workbench_data,
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
        developer_keys.router,
        workbench_edit.router,
        workbench_data.router,
        review.router,
        admin.router,
        harvest.router,
        governance.router,
        workbench.router,
        access_apply.router,
        access.router,
        access_review.router,
    ]
