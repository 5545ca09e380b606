"""Helpers for page tests: HTML requests, sign-in and form posts with the page's CSRF token."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.web.helpers import csrf_from_page, login

HTML = {"accept": "text/html"}


def get(client: TestClient, path: str) -> Response:
    return client.get(path, headers=HTML, follow_redirects=False)


def post_form(
    client: TestClient, path: str, data: dict[str, Any], *, token_page: str = "/account"
) -> Response:
    """Post a form the way a browser does (lists repeat a field), with the page's CSRF token."""
    token = csrf_from_page(client, token_page)
    return client.post(
        path, data={**data, "csrf_token": token}, headers=HTML, follow_redirects=False
    )


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    login(client, username)


def json_ld(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD block"
    assert "<" not in match.group(1)
    return dict(json.loads(match.group(1)))
