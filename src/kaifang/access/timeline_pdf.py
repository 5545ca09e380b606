"""The application timeline as a PDF, written by hand so that it needs no font files or network.

Chinese text uses Adobe's standard CJK font STSong-Light with the UniGB-UCS2-H encoding, which
PDF readers supply themselves (Acrobat ships it; poppler-based readers substitute an installed
CJK font), so nothing is embedded and the file stays small. Every string is written as hex
UCS-2, which also means no user text can break out of a string literal.
"""

from __future__ import annotations

from collections.abc import Sequence

from kaifang.access.models import Application, ApplicationEvent
from kaifang.access.timeline import ACTION_LABELS
from kaifang.clock import local_time

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 595, 842, 50
FONT_SIZE, LEADING = 10, 15
_FONT_OBJECTS = (
    "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
    "/DescendantFonts [4 0 R] >>",
    "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
    "/FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>",
    "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
    "/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
    "/CapHeight 880 /StemV 93 >>",
)


def _width(text: str) -> float:
    """Width in ems: ASCII is half-width in STSong-Light, everything else full-width."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def wrap(text: str, max_ems: float) -> list[str]:
    """Split ``text`` into lines no wider than ``max_ems`` (explicit newlines kept)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line, used = "", 0.0
        for ch in paragraph:
            w = _width(ch)
            if used + w > max_ems and line:
                lines.append(line)
                line, used = "", 0.0
            line, used = line + ch, used + w
        lines.append(line)
    return lines


def _hex(text: str) -> str:
    # UCS-2 cannot carry characters beyond the BMP; they print as a question mark.
    safe = "".join(ch if ord(ch) <= 0xFFFF and ch.isprintable() else "?" for ch in text)
    return "<" + safe.encode("utf-16-be").hex().upper() + ">"


def _lines(app: Application, events: Sequence[ApplicationEvent]) -> list[tuple[int, str]]:
    """(indent, text) lines of the document."""
    items = "、".join(sorted({f"{i.dataset_id}:{i.item_name}" for i in app.items}))
    out = [
        (0, f"受限开放申请办理记录 (application timeline) #{app.id}"),
        (0, ""),
        (0, f"状态 (status): {app.status}"),
        (0, f"用途 (purpose): {app.purpose}"),
        (0, f"申请数据项 (items): {items}"),
        (0, "时间为北京时间 (times are China time, UTC+8)"),
        (0, ""),
    ]
    for event in events:
        stamp = local_time(event.created_at)
        label = ACTION_LABELS.get(event.action, event.action)
        out.append((0, f"{stamp}  {label}  {event.from_status}→{event.to_status}"))
        out.append((1, f"{event.actor_name} ({event.actor_role})"))
        if event.comment:
            out.append((1, event.comment))
    return out


def _pages(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    max_ems = (PAGE_WIDTH - 2 * MARGIN) / FONT_SIZE
    per_page = int((PAGE_HEIGHT - 2 * MARGIN) / LEADING)
    flat = [(indent, part) for indent, text in lines for part in wrap(text, max_ems - 2 * indent)]
    return [flat[i : i + per_page] for i in range(0, len(flat), per_page)] or [[]]


def _content(page: list[tuple[int, str]]) -> bytes:
    ops = [f"BT /F1 {FONT_SIZE} Tf {LEADING} TL {MARGIN} {PAGE_HEIGHT - MARGIN} Td"]
    for indent, text in page:
        ops.append(
            f"{indent * 2 * FONT_SIZE} 0 Td {_hex(text)} Tj T* {-indent * 2 * FONT_SIZE} 0 Td"
        )
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def render_timeline_pdf(app: Application, events: Sequence[ApplicationEvent]) -> bytes:
    """A printable A4 PDF of the application and its timeline."""
    pages = _pages(_lines(app, events))
    first_page = 6
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        *(o.encode() for o in _FONT_OBJECTS),
    ]
    for i, page in enumerate(pages):
        content = _content(page)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {first_page + 2 * i + 1} 0 R >>".encode()
        )
        objects.append(
            f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"
        )
    return _assemble(objects)
