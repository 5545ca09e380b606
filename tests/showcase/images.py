"""Small images, good and bad, for screenshot tests (built in memory with Pillow and zlib)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, PngImagePlugin

LIMIT = 2 * 1024 * 1024


def picture(fmt: str = "PNG", size: tuple[int, int] = (800, 500), **save: object) -> bytes:
    image = Image.new("RGB", size, (30, 90, 160))
    image.paste((240, 200, 40), (10, 10, size[0] // 2, size[1] // 2))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int, rows: int = 1) -> bytes:
    """A PNG whose header claims ``width``×``height`` gray pixels, with ``rows`` of zeros."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress((b"\x00" * (width + 1)) * rows, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def zero_bomb() -> bytes:
    """A real decompression bomb: 6000×6000 zero pixels (36 MB decoded) in a few kilobytes."""
    return png_claiming(6000, 6000, rows=6000)


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "相机厂商"  # Make
    exif[0x8825] = {2: (28.0, 39.0, 22.0), 4: (121.0, 25.0, 15.0)}  # GPS position
    return picture("JPEG", exif=exif.tobytes())


def png_polyglot() -> bytes:
    """A valid PNG that also carries HTML in a text chunk and after its end."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><script>alert(document.cookie)</script></html>")
    image = Image.new("RGB", (64, 40), (10, 20, 30))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue() + b"<script>alert(1)</script>"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'


def gif() -> bytes:
    return picture("GIF", (40, 30))


def truncated() -> bytes:
    data = picture("PNG", (600, 400))
    return data[: len(data) // 2]
