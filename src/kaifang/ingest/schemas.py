"""Value objects the ingest engine returns: column specs, rejected cells, the ingest result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

ColumnType = Literal["integer", "decimal", "float", "boolean", "date", "datetime", "text"]
COLUMN_TYPES: tuple[str, ...] = get_args(ColumnType)

TYPE_LABELS_ZH: dict[str, str] = {
    "integer": "整数",
    "decimal": "定点小数",
    "float": "浮点数",
    "boolean": "布尔值",
    "date": "日期",
    "datetime": "日期时间",
    "text": "文本",
}


@dataclass(frozen=True, kw_only=True)
class ColumnSpec:
    """One output column: its cleaned name, type and where it came from in the source.

    ``origin`` is ``inferred``, ``declared`` (typed source such as Parquet) or ``override``;
    ``reason`` says why an inferred column got its type (for example ``leading_zeros``).
    """

    name: str
    type: ColumnType
    nullable: bool
    original_name: str
    source_index: int
    precision: int | None = None
    scale: int | None = None
    origin: Literal["inferred", "declared", "override"] = "inferred"
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def sql_type(self) -> str:
        """The DuckDB/Parquet type this column is stored as."""
        if self.type == "decimal":
            return f"DECIMAL({self.precision or 18},{self.scale or 0})"
        return _SQL_TYPES[self.type]


_SQL_TYPES = {
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "text": "VARCHAR",
}


@dataclass(frozen=True)
class RejectedCell:
    """A value that could not be converted: source row (header is row 1), column, value, why."""

    row: int
    column: str | None
    value: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class IngestResult:
    """What ``ingest_file`` produced: the Parquet file, its schema, report, profile and geo info."""

    parquet_path: Path
    schema: list[dict[str, Any]]
    report: dict[str, Any]
    profile: dict[str, Any]
    geo: dict[str, Any]
    source_sha256: str
    parquet_sha256: str
    rows: int
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["parquet_path"] = str(self.parquet_path)
        return data
