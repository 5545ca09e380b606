"""Reading an uploaded open list (开放清单): the bureau's columns, item lists and planned months."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from kaifang.errors import InvalidInput

COLUMNS: tuple[tuple[str, str], ...] = (
    ("organization", "单位名称"),
    ("domain", "开放领域"),
    ("dataset_name", "开放数据集"),
    ("unconditional_items", "无条件开放数据项"),
    ("conditional_items", "受限开放数据项"),
    ("planned_month", "归集开放时间"),
)
OPTIONAL_COLUMNS = (("catalog_code", "目录编码"),)
HEADER_ALIASES = {"有条件开放数据项": "conditional_items", "数据集名称": "dataset_name"}
ITEM_SEPARATORS = re.compile(r"[、,，;；\n\r]+")
MONTH_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})"),
    re.compile(r"^(\d{4})(\d{2})$"),
)
SHORT_MONTH = re.compile(r"^(\d{1,2})\s*月")
EDITABLE_FIELDS = ("domain", "dataset_name", "unconditional_items", "conditional_items")


@dataclass
class ParsedRow:
    """One data row of an uploaded list, before it is written."""

    line: int
    organization: str
    domain: str
    dataset_name: str
    unconditional_items: list[str]
    conditional_items: list[str]
    planned_month: str
    catalog_code: str = ""
    errors: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """NFKC, lower case, without whitespace or punctuation: the key for fuzzy name matching."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LN")


def split_items(value: Any) -> list[str]:
    """Item labels of a cell separated by 、 , ， ; ； or new lines, blanks dropped."""
    if value is None:
        return []
    parts = (p.strip() for p in ITEM_SEPARATORS.split(str(value)))
    return list(dict.fromkeys(p for p in parts if p))


def parse_month(value: Any, year: int) -> str:
    """A planned month as "YYYY-MM"; InvalidInput (bilingual) when unreadable or off-year."""
    found: tuple[int, int] | None
    if isinstance(value, dt.datetime | dt.date):
        found = (value.year, value.month)
    else:
        found = _month_from_text(str(value or "").strip(), year)
    if found is None or not 1 <= found[1] <= 12:
        raise InvalidInput(f"归集开放时间「{value}」无法识别 (planned month not understood)")
    if found[0] != year:
        raise InvalidInput(
            f"归集开放时间 {found[0]}-{found[1]:02d} 不在 {year} 年 (planned month not in {year})"
        )
    return f"{found[0]}-{found[1]:02d}"


def _month_from_text(text: str, year: int) -> tuple[int, int] | None:
    for pattern in MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            return int(match.group(1)), int(match.group(2))
    short = SHORT_MONTH.match(text)
    return (year, int(short.group(1))) if short else None


# --- reading an upload ----------------------------------------------------------------------


def read_rows(data: bytes, filename: str) -> list[list[Any]]:
    """The first worksheet's cells; InvalidInput when the file is not a readable workbook."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [list(r) for r in book.get_sheet_by_index(0).to_python(skip_empty_area=False)]
    except (CalamineError, ValueError, IndexError, OSError) as exc:
        raise InvalidInput(
            f"无法读取工作簿「{filename}」(cannot read the workbook: {type(exc).__name__})",
            details={"file": filename},
        ) from None


def _header_map(header: Sequence[Any]) -> dict[str, int]:
    names = {zh: key for key, zh in (*COLUMNS, *OPTIONAL_COLUMNS)} | HEADER_ALIASES
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = names.get(str(cell or "").strip())
        if key and key not in found:
            found[key] = i
    return found


def _locate_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    required = {key for key, _ in COLUMNS}
    for n, row in enumerate(rows[:10]):
        mapping = _header_map(row)
        if required <= mapping.keys():
            return n, mapping
    missing = "、".join(zh for _, zh in COLUMNS)
    raise InvalidInput(
        f"未找到表头，须包含：{missing} (header row not found; required columns: {missing})",
        details={"required": [zh for _, zh in COLUMNS]},
    )


def _cell(row: list[Any], mapping: dict[str, int], key: str) -> Any:
    i = mapping.get(key)
    return row[i] if i is not None and i < len(row) else None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def parse_rows(rows: list[list[Any]], year: int) -> list[ParsedRow]:
    """Data rows below the header, each carrying its own errors (blank rows skipped)."""
    start, mapping = _locate_header(rows)
    parsed = []
    for n, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(_text(c) for c in row):
            continue
        parsed.append(_parse_row(row, mapping, n, year))
    if not parsed:
        raise InvalidInput("清单没有数据行 (the list has no data rows)")
    return parsed


def _parse_row(row: list[Any], mapping: dict[str, int], line: int, year: int) -> ParsedRow:
    item = ParsedRow(
        line=line,
        organization=_text(_cell(row, mapping, "organization")),
        domain=_text(_cell(row, mapping, "domain")),
        dataset_name=_text(_cell(row, mapping, "dataset_name")),
        unconditional_items=split_items(_cell(row, mapping, "unconditional_items")),
        conditional_items=split_items(_cell(row, mapping, "conditional_items")),
        planned_month="",
        catalog_code=_text(_cell(row, mapping, "catalog_code")),
    )
    _check_row(item, _cell(row, mapping, "planned_month"), year)
    return item


def _check_row(item: ParsedRow, month: Any, year: int) -> None:
    if not item.domain:
        item.errors.append("开放领域为空 (domain is empty)")
    if not item.dataset_name:
        item.errors.append("开放数据集为空 (dataset name is empty)")
    elif len(item.dataset_name) > 200:
        item.errors.append("开放数据集名称超过200字 (dataset name longer than 200)")
    if not item.unconditional_items and not item.conditional_items:
        item.errors.append("未列出任何数据项 (no data items listed)")
    try:
        item.planned_month = parse_month(month, year)
    except InvalidInput as exc:
        item.errors.append(exc.message)
