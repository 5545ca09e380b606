"""The PDF renderer of governance tables and bar charts (fpdf2, vendored CJK font).

The font is WenQuanYi Micro Hei (see fonts/README.md), embedded as a subset of the glyphs a
document uses, so a report opens on any reader without Chinese fonts installed. Charts are
drawn as vector rectangles and text, not pictures, so they print sharply at any size.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from kaifang.governance.render import BarChart, Table, text_of

FONT_FILE = Path(__file__).parent / "fonts" / "wqy-microhei.ttc"
FONT = "wqy-microhei"
HEADER_FILL = (221, 235, 247)
BAR_FILL = (59, 125, 216)
BAR_HEIGHT, BAR_GAP, LABEL_WIDTH = 5.0, 2.0, 60.0
MAX_LABEL_CHARS = 18


def _document(title: str) -> FPDF:
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Kaifang")
    pdf.set_lang("zh-CN")
    pdf.add_font(FONT, fname=str(FONT_FILE))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str, size: float) -> None:
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _table(pdf: FPDF, table: Table) -> None:
    _heading(pdf, table.title, 12)
    pdf.set_font(FONT, size=8)
    headings = FontFace(fill_color=HEADER_FILL)
    with pdf.table(headings_style=headings, line_height=4.5, text_align="LEFT") as grid:
        grid.row([header for _, header in table.columns])
        for row in table.rows:
            grid.row(["" if v is None else text_of(v) for v in table.values(row)])
        if not table.rows:
            grid.row(["—"] + [""] * (len(table.columns) - 1))
    pdf.ln(4)


def _chart(pdf: FPDF, chart: BarChart) -> None:
    height = 10 + len(chart.bars) * (BAR_HEIGHT + BAR_GAP)
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    _heading(pdf, chart.title, 12)
    top = max((value for _, value in chart.bars), default=0) or 1
    span = pdf.epw - LABEL_WIDTH - 25
    pdf.set_font(FONT, size=8)
    pdf.set_fill_color(*BAR_FILL)
    for label, value in chart.bars:
        y = pdf.get_y()
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(LABEL_WIDTH, BAR_HEIGHT, label[:MAX_LABEL_CHARS])
        width = max(span * value / top, 0.0)
        if width > 0:
            pdf.rect(pdf.l_margin + LABEL_WIDTH, y, width, BAR_HEIGHT, style="F")
        pdf.set_xy(pdf.l_margin + LABEL_WIDTH + width + 2, y)
        pdf.cell(20, BAR_HEIGHT, text_of(value))
        pdf.set_y(y + BAR_HEIGHT + BAR_GAP)
    pdf.ln(4)


def to_pdf(title: str, tables: Sequence[Table], charts: Sequence[BarChart] = ()) -> bytes:
    """A landscape A4 document: the title, each table in turn, then the charts."""
    pdf = _document(title)
    _heading(pdf, title, 16)
    for table in tables:
        _table(pdf, table)
    for chart in charts:
        _chart(pdf, chart)
    return bytes(pdf.output())
