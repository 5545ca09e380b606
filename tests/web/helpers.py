"""Helpers for web tests: signing in through the real endpoints."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import PASSWORD


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text


def csrf_from_page(client: TestClient, path: str = "/login") -> str:
    html = client.get(path, headers={"accept": "text/html"}).text
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def bearer(client: TestClient, username: str) -> dict[str, str]:
    login(client, username)
    token = client.post(
        "/api/v1/me/tokens",
        json={"name": "t"},
        headers={"x-csrf-token": csrf_from_page(client, "/account")},
    ).json()["token"]
    client.cookies.clear()
    return {"authorization": f"Bearer {token}"}
