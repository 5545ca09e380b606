"""Header rows: finding them under title rows, and turning raw labels into unique column names."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

from kaifang.ingest.options import MAX_HEADER_NAME_CHARS
from kaifang.ingest.problems import invalid, too_large

HEADER_SCAN_ROWS = 20
_SPACES = re.compile(r"\s+")
_NUMERIC = re.compile(r"[+-]?[0-9][0-9,.:/\-]*")


def detect_header_row(rows: Sequence[Sequence[object]], scan: int = HEADER_SCAN_ROWS) -> int:
    """Index of the header among the first rows, skipping title and unit rows above it.

    Government sheets often start with a title ("XX市2020年统计表") and a unit line
    ("单位：万元") spanning one cell; the header is the first row that fills at least half
    as many cells as the widest of the first ``scan`` rows.
    """
    counts = [sum(1 for cell in row if _filled(cell)) for row in rows[:scan]]
    if not counts or max(counts) == 0:
        return 0
    widest = max(counts)
    needed = max(2, math.ceil(widest / 2)) if widest > 1 else 1
    return next(i for i, count in enumerate(counts) if count >= needed)


def _filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


def check_width(width: int, max_columns: int) -> None:
    """Refuse a table wider than ``max_columns`` before any data is read."""
    if width > max_columns:
        raise too_large(
            f"表头有 {width} 列，超过上限 {max_columns} 列；请拆分为多个表后上传",
            f"the header has {width} columns; the limit is {max_columns}; split the table",
            columns=width,
            max_columns=max_columns,
        )


def clean_headers(raw: Sequence[object], *, max_columns: int) -> tuple[list[str], list[str]]:
    """Unique, trimmed column names for ``raw`` labels, plus warnings for every change.

    Empty labels become ``column_N`` (N is the 1-based position); duplicates (compared
    case-insensitively, as DuckDB does) get ``_2``, ``_3``...; labels are cut at
    ``MAX_HEADER_NAME_CHARS`` characters.
    """
    check_width(len(raw), max_columns)
    warnings: list[str] = []
    names: list[str] = []
    taken: set[str] = set()
    for index, label in enumerate(raw, start=1):
        name = _normalize(label)
        if not name:
            name = f"column_{index}"
            warnings.append(
                f"第 {index} 列没有表头，已命名为 {name}（column {index} has no header)"
            )
        elif len(name) > MAX_HEADER_NAME_CHARS:
            name = name[:MAX_HEADER_NAME_CHARS]
            warnings.append(
                f"第 {index} 列表头过长，已截断为 {MAX_HEADER_NAME_CHARS} 个字符"
                f"（column {index} header truncated to {MAX_HEADER_NAME_CHARS} characters）"
            )
        unique = _unique(name, taken)
        if unique != name:
            warnings.append(
                f"第 {index} 列表头“{name}”重复，已改名为“{unique}”"
                f"（duplicate header {name!r} renamed to {unique!r}）"
            )
        taken.add(unique.casefold())
        names.append(unique)
    return names, warnings


def _normalize(label: object) -> str:
    if label is None:
        return ""
    text = unicodedata.normalize("NFC", str(label)).replace("\ufeff", "")
    text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    return _SPACES.sub(" ", text).strip()


def _unique(name: str, taken: set[str]) -> str:
    if name.casefold() not in taken:
        return name
    n = 2
    while f"{name}_{n}".casefold() in taken:
        n += 1
    return f"{name}_{n}"


def header_looks_like_data(names: Sequence[str]) -> bool:
    """True when most labels are numbers or dates: the file probably has no header row."""
    filled = [n for n in names if n]
    numeric = sum(1 for n in filled if _NUMERIC.fullmatch(n))
    return bool(filled) and numeric * 2 > len(filled)


def resolve_column(name: str, names: Sequence[str], originals: Sequence[str]) -> int:
    """Index of the column an officer refers to by cleaned or original name; InvalidInput."""
    for candidates in (names, originals):
        if name in candidates:
            return list(candidates).index(name)
    folded = name.casefold()
    for index, candidate in enumerate(names):
        if candidate.casefold() == folded:
            return index
    raise invalid(
        f"找不到列“{name[:60]}”，无法设置其类型", f"no column named {name[:60]!r} to set a type for"
    )
