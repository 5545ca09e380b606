"""What an import did: counts, dataset ids and row-level errors in Chinese and English."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, TypedDict

from kaifang.catalog.bulk.columns import DATASETS_SHEET
from kaifang.errors import DomainError


class RowError(TypedDict):
    """One problem, located as the user sees it in Excel (the header is row 1)."""

    row: int
    sheet: str
    column: str
    message: str


@dataclass
class ImportReport:
    """Counts per outcome; ``skipped`` rows were valid but not written because others failed.

    ``encoding`` is the text encoding a CSV was read in (empty for workbooks).
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    revisions: int = 0
    dataset_ids: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "skipped": self.skipped,
            "revisions": self.revisions,
            "dataset_ids": list(self.dataset_ids),
            "errors": [dict(e) for e in self.errors],
            "ignored_columns": list(self.ignored_columns),
            "encoding": self.encoding,
        }


def row_error(
    *, row: int, sheet: str, column: str = "", column_en: str = "", zh: str, en: str
) -> RowError:
    """An error whose message starts with 第N行 and the column, then the English in brackets."""
    where_zh = ("" if sheet == DATASETS_SHEET else f"{sheet}表") + f"第{row}行"
    where_en = ("" if sheet == DATASETS_SHEET else f"{sheet} sheet ") + f"row {row}"
    label_zh = f" {column}" if column else ""
    label_en = f" {column_en or column}" if (column_en or column) else ""
    return RowError(
        row=row,
        sheet=sheet,
        column=column,
        message=f"{where_zh}{label_zh} {zh} ({where_en}:{label_en} {en})",
    )


_BILINGUAL = re.compile(r"^(?P<zh>.*?)\s*\((?P<en>[^()]*)\)\s*$", re.S)


def split_message(message: str) -> tuple[str, str]:
    """The Chinese and English halves of a service message written as '中文 (English)'."""
    match = _BILINGUAL.match(message)
    if match is None:
        return message, message
    return match["zh"], match["en"]


def from_domain_error(
    exc: DomainError, *, row: int, sheet: str, column: str = "", column_en: str = ""
) -> RowError:
    """A row error carrying a service's own (bilingual) message."""
    zh, en = split_message(exc.message)
    return row_error(row=row, sheet=sheet, column=column, column_en=column_en, zh=zh, en=en)
