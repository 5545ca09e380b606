"""Server-rendered pages (Jinja2); every page reads without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter


def page_routers() -> list[APIRouter]:
    """Every page router, in mounting order (more specific paths first)."""
    from kaifang.web.pages import accounts, home

    return [home.router, accounts.router]
