"""Screenshots are decoded, checked and re-encoded; every bad file is refused with the reason."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from kaifang.errors import InvalidInput, TooLarge
from kaifang.showcase.screenshots import MAX_SIDE, PUBLISHED_WIDTH, prepare_screenshot
from tests.showcase import images
from tests.showcase.images import LIMIT


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepted_formats_come_out_as_webp(fmt: str) -> None:
    shot = prepare_screenshot(images.picture(fmt), max_bytes=LIMIT)
    decoded = Image.open(io.BytesIO(shot.data))
    assert decoded.format == "WEBP" and decoded.size == (800, 500) == (shot.width, shot.height)
    assert shot.content_type == "image/webp"


def test_wide_screenshots_are_scaled_to_the_published_width() -> None:
    shot = prepare_screenshot(images.picture("PNG", (2560, 1600)), max_bytes=LIMIT)
    assert (shot.width, shot.height) == (PUBLISHED_WIDTH, 800)


def test_metadata_and_smuggled_markup_do_not_survive() -> None:
    shot = prepare_screenshot(images.jpeg_with_exif(), max_bytes=LIMIT)
    decoded = Image.open(io.BytesIO(shot.data))
    assert not {"exif", "icc_profile", "xmp"} & set(decoded.info) and len(decoded.getexif()) == 0
    polyglot = prepare_screenshot(images.png_polyglot(), max_bytes=LIMIT)
    assert b"<script" not in polyglot.data and b"html" not in polyglot.data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "截图文件为空"),
        (b"just some text, not an image", "只接受 PNG、JPEG 或 WebP"),
        (images.SVG, "只接受 PNG、JPEG 或 WebP"),
        (images.gif(), "只接受 PNG、JPEG 或 WebP"),
        (images.truncated(), "已损坏或不完整"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "已损坏或不完整"),
        (images.zero_bomb(), f"{MAX_SIDE}×{MAX_SIDE}"),
        (images.png_claiming(100_000, 100_000), f"{MAX_SIDE}×{MAX_SIDE}"),  # Pillow's bomb check
        (images.png_claiming(MAX_SIDE + 1, 10), f"{MAX_SIDE}×{MAX_SIDE}"),
    ],
    ids=["empty", "text", "svg", "gif", "truncated", "corrupt", "bomb", "huge-header", "too-wide"],
)
def test_bad_files_are_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        prepare_screenshot(data, max_bytes=LIMIT)
    assert message in refused.value.message
    assert refused.value.details["field"] == "screenshot"


def test_files_over_the_limit_are_too_large() -> None:
    with pytest.raises(TooLarge) as refused:
        prepare_screenshot(images.picture("PNG"), max_bytes=1000)
    assert "截图不能超过" in refused.value.message and refused.value.details["max_bytes"] == 1000
