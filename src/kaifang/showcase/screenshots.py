"""App screenshots: checked by decoding, then re-encoded so only clean pixels reach the public.

A submitted file is never served as uploaded. It must be a PNG, JPEG or WebP (by its magic
bytes and by what Pillow decodes), no larger than the configured byte limit and
``MAX_SIDE`` pixels a side (checked from the header, before any pixel is decompressed, so a
decompression bomb is refused cheaply). The decoded pixels are copied into a fresh image,
scaled to at most ``PUBLISHED_WIDTH`` wide and written as WebP without EXIF, ICC or XMP
metadata: a polyglot (an image that is also HTML or a script) or a location hidden in EXIF
does not survive.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from kaifang.errors import InvalidInput, TooLarge

MAX_SIDE = 4096
PUBLISHED_WIDTH = 1280
PUBLISHED_TYPE = "image/webp"
WEBP_QUALITY = 85
#: Magic bytes of the accepted formats and the Pillow format each must decode as.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
)
WEBP_MAGIC = (b"RIFF", b"WEBP")


@dataclass(frozen=True)
class Screenshot:
    """A re-encoded screenshot, ready for the blob store."""

    data: bytes
    width: int
    height: int
    content_type: str = PUBLISHED_TYPE


def _declared_format(data: bytes) -> str | None:
    for magic, name in SIGNATURES:
        if data.startswith(magic):
            return name
    if data[:4] == WEBP_MAGIC[0] and data[8:12] == WEBP_MAGIC[1]:
        return "WEBP"
    return None


def _invalid(message: str, **details: object) -> InvalidInput:
    return InvalidInput(message, details={"field": "screenshot", **details})


def prepare_screenshot(data: bytes, *, max_bytes: int) -> Screenshot:
    """The screenshot re-encoded as metadata-free WebP; InvalidInput or TooLarge saying why not."""
    if len(data) > max_bytes:
        raise TooLarge(
            f"截图不能超过 {max_bytes / (1024 * 1024):.1f} MB (screenshot too large)",
            details={"field": "screenshot", "max_bytes": max_bytes},
        )
    if not data:
        raise _invalid("截图文件为空 (empty screenshot)")
    declared = _declared_format(data)
    if declared is None:
        raise _invalid("截图只接受 PNG、JPEG 或 WebP 图片 (screenshot must be PNG, JPEG or WebP)")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[declared]) as image:
                width, height = image.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    raise _invalid(
                        f"截图尺寸不能超过 {MAX_SIDE}×{MAX_SIDE} 像素 "
                        f"(screenshot larger than {MAX_SIDE}×{MAX_SIDE} pixels)",
                        width=width,
                        height=height,
                    )
                image.load()
                return _reencode(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _invalid(
            f"截图尺寸不能超过 {MAX_SIDE}×{MAX_SIDE} 像素 "
            f"(screenshot larger than {MAX_SIDE}×{MAX_SIDE} pixels)"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow's ways of saying "not this format after all", "truncated" or "corrupt".
        raise _invalid("截图文件已损坏或不完整 (screenshot is damaged or incomplete)") from None


def _reencode(image: Image.Image) -> Screenshot:
    # A phone photo's orientation lives in EXIF, which is dropped: apply it to the pixels first.
    oriented = ImageOps.exif_transpose(image) or image
    mode = (
        "RGBA"
        if oriented.mode in ("RGBA", "LA", "PA") or "transparency" in oriented.info
        else "RGB"
    )
    pixels = oriented.convert(mode)
    if pixels.width > PUBLISHED_WIDTH:
        height = max(1, round(pixels.height * PUBLISHED_WIDTH / pixels.width))
        pixels = pixels.resize((PUBLISHED_WIDTH, height), Image.Resampling.LANCZOS)
    # A fresh image carries no info dict from the upload: nothing but pixels is written.
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return Screenshot(out.getvalue(), clean.width, clean.height)
