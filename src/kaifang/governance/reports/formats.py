"""The formats a report renders to: self-contained HTML, PDF and XLSX, from the same tables."""

from __future__ import annotations

import html
from typing import Literal

from kaifang.governance.render import Table, bar_chart_svg, to_html, to_xlsx
from kaifang.governance.render_pdf import to_pdf
from kaifang.governance.reports.content import report_charts

ReportFormat = Literal["html", "pdf", "xlsx"]
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
STYLE = (
    "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
    "th,td{border:1px solid #bbb;padding:4px 8px;text-align:left}"
    "th{background:#ddebf7}caption{font-weight:bold;text-align:left;padding:4px 0}"
)


def render_html(title: str, tables: list[Table]) -> bytes:
    """A self-contained HTML document: inline style, inline SVG charts, no external assets."""
    charts = [bar_chart_svg(c.title, c.bars) for c in report_charts(tables)]
    body = "".join(to_html(t) for t in tables) + "".join(f"<figure>{c}</figure>" for c in charts)
    doc = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return doc.encode("utf-8")


def render(fmt: str, title: str, tables: list[Table]) -> bytes:
    """The report's tables in one format (the renderers registered for reports)."""
    if fmt == "pdf":
        return to_pdf(title, tables, report_charts(tables))
    if fmt == "xlsx":
        return to_xlsx(tables)
    return render_html(title, tables)
