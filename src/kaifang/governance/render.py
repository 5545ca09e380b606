"""Renderers shared by governance outputs: one ``Table`` becomes CSV, XLSX or an HTML table."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter

Column = tuple[str, str]


@dataclass
class Table:
    """Rows of dicts with ordered (key, header) columns and a sheet title."""

    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def values(self, row: dict[str, Any]) -> list[Any]:
        """The row's cells in column order, with lists joined by "、"."""
        return [_cell(row.get(key)) for key, _ in self.columns]


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return value


def to_csv(table: Table) -> str:
    """CSV text with a header row (the caller adds a BOM for Excel if it wants one)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _, header in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in table.values(row)])
    return out.getvalue()


def _sheet_name(title: str, taken: set[str]) -> str:
    base = "".join(c for c in title if c not in "[]:*?/\\")[:28] or "Sheet"
    name, n = base, 2
    while name in taken:
        name, n = f"{base[:25]}-{n}", n + 1
    taken.add(name)
    return name


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One worksheet per table, headers bold and frozen, built in memory."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    taken: set[str] = set()
    for table in tables:
        sheet = book.add_worksheet(_sheet_name(table.title, taken))
        sheet.write_row(0, 0, [header for _, header in table.columns], bold)
        for r, row in enumerate(table.rows, start=1):
            sheet.write_row(r, 0, ["" if v is None else v for v in table.values(row)])
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, max(len(table.columns) - 1, 0), 16)
    book.close()
    return buffer.getvalue()


def to_html(table: Table) -> str:
    """An escaped HTML table with a caption."""
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(text_of(v))}</td>" for v in table.values(r)) + "</tr>"
        for r in table.rows
    )
    caption = html.escape(table.title)
    return f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart's data: drawn as SVG in HTML and as vector paths in PDF."""

    title: str
    bars: Sequence[tuple[str, float]]


def bar_chart_svg(title: str, bars: Sequence[tuple[str, float]], *, width: int = 640) -> str:
    """A horizontal bar chart as inline SVG (no scripts, no external references)."""
    bar_h, gap, label_w = 18, 6, 200
    height = 30 + len(bars) * (bar_h + gap)
    top = max((v for _, v in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = 26 + i * (bar_h + gap)
        w = max(int((width - label_w - 80) * value / top), 0)
        parts.append(
            f'<text x="0" y="{y + 13}" font-size="12">{html.escape(label[:18])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="#3b7dd8"/>'
            f'<text x="{label_w + w + 4}" y="{y + 13}" font-size="12">{text_of(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
