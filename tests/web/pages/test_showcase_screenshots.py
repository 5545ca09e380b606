"""Showcase screenshots through the pages: attached on submission, re-encoded, served only to
those who may see the app, shown with alt text and fixed dimensions; bad files are refused."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.audit.models import AuditRecord
from kaifang.runtime import Runtime
from kaifang.showcase.models import ShowcaseApp
from tests import factories
from tests.showcase import images
from tests.web.helpers import csrf_from_page
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import HTML, get, post_form, sign_in


def _blob_files(runtime: Runtime) -> list[Path]:
    root = Path(runtime.settings.data_dir) / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _submit(client: TestClient, dataset_id: int, screenshot: tuple[str, bytes, str] | None):  # type: ignore[no-untyped-def]
    token = csrf_from_page(client, "/apps/new")
    form = {
        "name": "公交到站",
        "description": "基于公交站点数据的到站查询小程序。",
        "url": "https://example.com/bus",
        "datasets": str(dataset_id),
        "csrf_token": token,
    }
    files = {"screenshot": screenshot} if screenshot else {"screenshot": ("", b"", "")}
    return client.post("/apps/new", data=form, files=files, headers=HTML, follow_redirects=False)


def _app_id(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text
    return int(re.search(r"/apps/(\d+)", response.headers["location"]).group(1))  # type: ignore[union-attr]


def _image_tag(html: str, app_id: int) -> str:
    found = re.search(
        rf'<img class="app-shot" src="/apps/{app_id}/screenshot\?v=[0-9a-f]+"[^>]*>', html
    )
    assert found, "no screenshot on the page"
    return found.group(0)


def test_screenshot_follows_the_app_from_review_to_the_home_page(
    client: TestClient, session: Session, cast: Cast
) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    sign_in(client, cast.user)
    photo = images.jpeg_with_exif()
    app_id = _app_id(_submit(client, dataset.id, ("屏幕.jpg", photo, "image/jpeg")))
    app = session.get(ShowcaseApp, app_id)
    assert app is not None and app.screenshot_key
    audit = session.scalars(
        select(AuditRecord).where(AuditRecord.action == "showcase.screenshot")
    ).one()
    assert audit.object_id == str(app_id) and audit.details["sha256"] == app.screenshot_key
    path = f"/apps/{app_id}/screenshot"

    # Under review: the submitter and admins see it, nobody else.
    detail = get(client, f"/apps/{app_id}").text
    tag = _image_tag(detail, app_id)
    assert 'alt="公交到站 的截图"' in tag and 'width="1280" height="800"' in tag
    mine = client.get(path)
    assert mine.status_code == 200 and mine.headers["cache-control"] == "private, no-cache"
    assert mine.content != photo and Image.open(io.BytesIO(mine.content)).format == "WEBP"
    assert b"Exif" not in mine.content
    sign_in(client, cast.other_officer)
    assert client.get(path).status_code == 404
    client.cookies.clear()
    assert client.get(path).status_code == 404
    assert get(client, f"/apps/{app_id}").status_code == 404

    sign_in(client, cast.admin)
    assert 'width="320" height="200"' in _image_tag(get(client, "/workbench/apps").text, app_id)
    assert client.get(path).status_code == 200
    post_form(
        client,
        f"/workbench/apps/{app_id}/review",
        {"decision": "approve", "featured": "1", "comment": ""},
        token_page="/workbench/apps",
    )

    # Approved: public, with a safe type and caching keyed by the blob.
    client.cookies.clear()
    public = client.get(f"{path}?v={app.screenshot_key}")
    assert public.status_code == 200 and public.headers["content-type"] == "image/webp"
    assert public.headers["x-content-type-options"] == "nosniff"
    assert public.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert public.headers["etag"] == f'"{app.screenshot_key}"'
    assert client.get(path).headers["cache-control"] == "public, max-age=300"
    again = client.get(path, headers={"if-none-match": public.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    for page in ("/apps", "/"):
        tag = _image_tag(get(client, page).text, app_id)
        assert 'width="640" height="400"' in tag and 'alt="公交到站 的截图"' in tag


def test_apps_without_a_screenshot_have_no_image(
    client: TestClient, session: Session, cast: Cast
) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    sign_in(client, cast.user)
    app_id = _app_id(_submit(client, dataset.id, None))
    assert session.get(ShowcaseApp, app_id).screenshot_key is None  # type: ignore[union-attr]
    assert "app-shot" not in get(client, f"/apps/{app_id}").text
    assert client.get(f"/apps/{app_id}/screenshot").status_code == 404


@pytest.mark.parametrize(
    ("upload", "status", "message"),
    [
        (("说明.txt", b"not an image at all", "text/plain"), 422, "只接受 PNG、JPEG 或 WebP"),
        (("截图.png", images.truncated(), "image/png"), 422, "已损坏或不完整"),
        (("炸弹.png", images.zero_bomb(), "image/png"), 422, "4096×4096"),
        (
            ("大图.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * images.LIMIT, "image/png"),
            413,
            "截图不能超过",
        ),
        (("图.svg", images.SVG, "image/svg+xml"), 422, "只接受 PNG、JPEG 或 WebP"),
        (("动图.gif", images.gif(), "image/gif"), 422, "只接受 PNG、JPEG 或 WebP"),
    ],
    ids=["not-an-image", "truncated", "bomb", "too-large", "svg", "gif"],
)
def test_bad_screenshots_refuse_the_submission_and_store_nothing(
    client: TestClient,
    session: Session,
    cast: Cast,
    runtime: Runtime,
    upload: tuple[str, bytes, str],
    status: int,
    message: str,
) -> None:
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    sign_in(client, cast.user)
    before = _blob_files(runtime)
    refused = _submit(client, dataset.id, upload)
    assert refused.status_code == status
    assert message in refused.text and 'id="screenshot-error"' in refused.text
    assert 'aria-invalid="true"' in refused.text and 'value="公交到站"' in refused.text
    assert session.scalars(select(ShowcaseApp)).all() == []
    assert _blob_files(runtime) == before
