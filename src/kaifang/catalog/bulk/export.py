"""The template and the catalogue export: one layout, so an export re-imports unchanged."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session
from xlsxwriter.worksheet import Worksheet

from kaifang.auth.actor import Actor
from kaifang.catalog.bulk.columns import (
    DATASET_COLUMNS,
    DATASETS_SHEET,
    ITEM_COLUMNS,
    ITEMS_SHEET,
    Column,
)
from kaifang.catalog.bulk.values import DATA_TYPE_LABELS, FORMULA_LEADS
from kaifang.catalog.models import GRADES, DataItem, Dataset
from kaifang.catalog.rules import OPEN_ATTRIBUTE_LABELS
from kaifang.catalog.visibility import visible_clause
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.errors import InvalidInput

Cell = str | int | None
Entry = tuple[list[Cell], list[list[Cell]]]
CHUNK = 500
VALIDATED_ROWS = 20000
# Dropdowns for the fixed vocabularies; a warning, not a refusal, because the importer also
# accepts the variants other portals use (受限开放, 2级, 低敏感 ...).
DROPDOWNS = {
    "open_attribute": list(OPEN_ATTRIBUTE_LABELS.values()),
    "grade": list(GRADES),
    "data_type": list(DATA_TYPE_LABELS.values()),
}
TEXT_COLUMNS = {"catalog_code", "region_code", "contact_phone", "name"}


def template_xlsx() -> bytes:
    """The empty import template: sheets 数据集 and 数据项 with notes and dropdowns."""
    return render_xlsx([])


def template_csv() -> bytes:
    """The CSV variant: the 数据集 header only (UTF-8 with BOM); items need the XLSX template."""
    return render_csv([])


def export_catalog(session: Session, *, actor: Actor, fmt: Literal["xlsx", "csv"]) -> bytes:
    """Every dataset ``actor`` may see, in the import template; InvalidInput for other formats."""
    if fmt not in ("xlsx", "csv"):
        raise InvalidInput(
            f"不支持的导出格式 {fmt!r} (unsupported export format)", details={"field": "fmt"}
        )
    entries = catalogue_entries(session, actor=actor, with_items=fmt == "xlsx")
    return render_xlsx(entries) if fmt == "xlsx" else render_csv(entries)


def catalogue_entries(
    session: Session, *, actor: Actor, with_items: bool = True
) -> Iterator[Entry]:
    """Dataset rows with their item rows, in catalogue order, visibility applied."""
    vocab = VocabularyIndex(session)
    for batch in _visible_batches(session, actor):
        items = _items_of(session, [d.id for d in batch]) if with_items else {}
        for dataset in batch:
            rows = [_item_cells(dataset, item) for item in items.get(dataset.id, [])]
            yield _dataset_cells(dataset, vocab), rows


def _visible_batches(session: Session, actor: Actor) -> Iterator[list[Dataset]]:
    """Keyset-paged so a large catalogue is never loaded at once."""
    last = 0
    while True:
        stmt = (
            select(Dataset)
            .where(visible_clause(actor), Dataset.id > last)
            .order_by(Dataset.id)
            .limit(CHUNK)
        )
        batch = list(session.scalars(stmt).unique())
        if not batch:
            return
        yield batch
        last = batch[-1].id


def _items_of(session: Session, ids: list[int]) -> dict[int, list[Any]]:
    """Item rows (not ORM objects: they are only read) of some datasets, in position order."""
    stmt = (
        select(DataItem.__table__)
        .where(DataItem.dataset_id.in_(ids))
        .order_by(DataItem.dataset_id, DataItem.position)
    )
    out: dict[int, list[Any]] = {}
    for item in session.execute(stmt):
        out.setdefault(item.dataset_id, []).append(item)
    return out


def _labels(vocab: VocabularyIndex, kind: str, codes: Iterable[str]) -> str:
    return "、".join(vocab.label(kind, c) for c in codes)


def _dataset_cells(ds: Dataset, vocab: VocabularyIndex) -> list[Cell]:
    values: dict[str, Cell] = {
        "catalog_code": ds.catalog_code,
        "title": ds.title,
        "summary": ds.summary,
        "organization": ds.organization.name,
        "region_code": ds.region_code,
        "domains": _labels(vocab, "domain", ds.domains or []),
        "keywords": "、".join(ds.keywords or []),
        "base_class": vocab.label("base_class", ds.base_class) if ds.base_class else "",
        "open_attribute": OPEN_ATTRIBUTE_LABELS.get(ds.open_attribute, ds.open_attribute),
        "update_frequency": vocab.label("update_frequency", ds.update_frequency or ""),
        "formats": _labels(vocab, "format", ds.formats or []),
        "temporal_start": ds.temporal_start.isoformat() if ds.temporal_start else "",
        "temporal_end": ds.temporal_end.isoformat() if ds.temporal_end else "",
        "spatial_coverage": ds.spatial_coverage,
        "licence": vocab.label("licence", ds.licence) if ds.licence else "",
        "contact_name": ds.contact_name,
        "contact_phone": ds.contact_phone,
        "contact_email": ds.contact_email,
        "source_system": ds.source_system,
    }
    return [values[c.key] for c in DATASET_COLUMNS]


def _item_cells(ds: Dataset, item: Any) -> list[Cell]:
    values: dict[str, Cell] = {
        "catalog_code": ds.catalog_code,
        "dataset_title": ds.title,
        "label": item.label,
        "name": item.name,
        "data_type": DATA_TYPE_LABELS.get(item.data_type, item.data_type),
        "length": item.length,
        "precision": item.precision,
        "description": item.description,
        "open_attribute": OPEN_ATTRIBUTE_LABELS.get(item.open_attribute, item.open_attribute),
        "grade": item.grade,
        "pii_kind": item.pii_kind or "",
        "masking_rule": item.masking_rule or "",
    }
    return [values[c.key] for c in ITEM_COLUMNS]


# --- renderers -------------------------------------------------------------------------------


def render_xlsx(entries: Iterable[Entry]) -> bytes:
    """The two-sheet workbook, streamed row by row so memory stays flat for large catalogues."""
    with tempfile.TemporaryDirectory(prefix="kaifang-catalog-") as tmp:
        path = Path(tmp) / "catalogue.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": tmp})
        datasets = _sheet(book, DATASETS_SHEET, DATASET_COLUMNS)
        items = _sheet(book, ITEMS_SHEET, ITEM_COLUMNS)
        item_row = 1
        for dataset_row, (dataset_cells, item_rows) in enumerate(entries, start=1):
            _write_row(datasets, dataset_row, dataset_cells)
            for cells in item_rows:
                _write_row(items, item_row, cells)
                item_row += 1
        book.close()
        return path.read_bytes()


def _sheet(book: xlsxwriter.Workbook, name: str, columns: Sequence[Column]) -> Worksheet:
    sheet = book.add_worksheet(name)
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    text = book.add_format({"num_format": "@"})
    for index, column in enumerate(columns):
        width = max(10, min(40, 2 * len(column.zh) + 4))
        sheet.set_column(index, index, width, text if column.key in TEXT_COLUMNS else None)
        sheet.write_string(0, index, column.zh, required if column.required else head)
        if column.note:
            sheet.write_comment(0, index, column.note, {"x_scale": 1.6})
        if column.key in DROPDOWNS:
            sheet.data_validation(
                1,
                index,
                VALIDATED_ROWS,
                index,
                {"validate": "list", "source": DROPDOWNS[column.key], "error_type": "warning"},
            )
    sheet.freeze_panes(1, 0)
    return sheet


def _write_row(sheet: Worksheet, row: int, cells: Sequence[Cell]) -> None:
    for col, value in enumerate(cells):
        if isinstance(value, int):
            sheet.write_number(row, col, value)
        elif value:
            # Always as text: a title starting with '=' must never become a formula.
            sheet.write_string(row, col, value)


def render_csv(entries: Iterable[Entry]) -> bytes:
    """The 数据集 sheet as CSV in UTF-8 with a BOM, so Excel opens it with the right encoding."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.zh for c in DATASET_COLUMNS])
    for dataset_cells, _items in entries:
        writer.writerow([_csv_cell(v) for v in dataset_cells])
    return out.getvalue().encode("utf-8-sig")


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: the importer strips this apostrophe again.
    return "'" + text if text.startswith(FORMULA_LEADS) else text
