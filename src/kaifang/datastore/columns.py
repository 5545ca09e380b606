"""Column descriptions of a serving table, identifier quoting and typed value parsing."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from kaifang.errors import BadRequest

Kind = Literal["string", "integer", "number", "boolean", "date", "datetime", "time", "other"]

ROWID = "_rowid"
"""Hidden, stable row number added by the serving build; the keyset tie-breaker."""
FULLTEXT = "_fulltext"
"""Hidden concatenation of every text column, added by the serving build for ``_search``."""
RESERVED = frozenset({ROWID, FULLTEXT})

_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
_INT_RANGES = {
    "TINYINT": (-(2**7), 2**7 - 1),
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
    "HUGEINT": (-(2**127), 2**127 - 1),
    "UTINYINT": (0, 2**8 - 1),
    "USMALLINT": (0, 2**16 - 1),
    "UINTEGER": (0, 2**32 - 1),
    "UBIGINT": (0, 2**64 - 1),
    "UHUGEINT": (0, 2**128 - 1),
}
_TRUE = {"1", "true", "t", "yes", "y", "on", "是"}
_FALSE = {"0", "false", "f", "no", "n", "off", "否"}


def kind_of(sql_type: str) -> Kind:
    """Map a DuckDB column type to the logical kind the filter language reasons about."""
    t = sql_type.upper()
    if t == "VARCHAR":
        return "string"
    if t in _INTEGER_TYPES:
        return "integer"
    if t in ("FLOAT", "DOUBLE", "REAL") or t.startswith("DECIMAL"):
        return "number"
    if t == "BOOLEAN":
        return "boolean"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "datetime"
    if t == "TIME":
        return "time"
    return "other"


@dataclass(frozen=True)
class ColumnInfo:
    """One column of the ``data`` table: its name, DuckDB type and whether the public sees it."""

    name: str
    sql_type: str
    public: bool = True
    label: str | None = None

    @property
    def kind(self) -> Kind:
        return kind_of(self.sql_type)

    @property
    def is_text(self) -> bool:
        return self.kind == "string"

    @property
    def sortable(self) -> bool:
        return self.kind != "other"


def quote_ident(name: str) -> str:
    """Quote a server-side column name for DuckDB; never call this with user input."""
    if "\x00" in name:
        raise ValueError("column names cannot contain NUL")
    return '"' + name.replace('"', '""') + '"'


def column_map(columns: Iterable[ColumnInfo]) -> dict[str, ColumnInfo]:
    """The name → column lookup through which every user-supplied column name resolves."""
    return {c.name: c for c in columns if c.name not in RESERVED}


def unknown_column(name: str) -> BadRequest:
    """The one error for unknown and for hidden columns, so that hiding does not leak."""
    shown = name if len(name) <= 64 else name[:64] + "…"
    return BadRequest(f"unknown column: {shown}", details={"column": shown})


def resolve(name: str, columns: Mapping[str, ColumnInfo]) -> ColumnInfo:
    """The column ``name`` refers to, or BadRequest naming it."""
    col = columns.get(name)
    if col is None:
        raise unknown_column(name)
    return col


def _bad_value(col: ColumnInfo, raw: str, expected: str) -> BadRequest:
    shown = raw if len(raw) <= 40 else raw[:40] + "…"
    return BadRequest(
        f"column {col.name} expects {expected}, got {shown!r}",
        details={"column": col.name, "value": shown, "expected": expected},
    )


def _parse_integer(col: ColumnInfo, raw: str) -> int:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d{1,40}", text):
        raise _bad_value(col, raw, "an integer")
    value = int(text)
    low, high = _INT_RANGES.get(col.sql_type.upper(), _INT_RANGES["HUGEINT"])
    if not low <= value <= high:
        raise _bad_value(col, raw, f"an integer between {low} and {high}")
    return value


def _parse_number(col: ColumnInfo, raw: str) -> float | Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise _bad_value(col, raw, "a number") from None
    if not value.is_finite():
        raise _bad_value(col, raw, "a finite number")
    if col.sql_type.upper().startswith("DECIMAL"):
        return value
    as_float = float(value)
    if math.isinf(as_float):
        raise _bad_value(col, raw, "a finite number")
    return as_float


def _parse_boolean(col: ColumnInfo, raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _bad_value(col, raw, "true or false")


def _parse_date(col: ColumnInfo, raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise _bad_value(col, raw, "a date (YYYY-MM-DD)") from None


def _parse_datetime(col: ColumnInfo, raw: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise _bad_value(col, raw, "a date-time (YYYY-MM-DDTHH:MM:SS)") from None
    if "TIME ZONE" not in col.sql_type.upper() and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    elif "TIME ZONE" in col.sql_type.upper() and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _parse_time(col: ColumnInfo, raw: str) -> dt.time:
    try:
        return dt.time.fromisoformat(raw.strip())
    except ValueError:
        raise _bad_value(col, raw, "a time (HH:MM:SS)") from None


def _parse_string(col: ColumnInfo, raw: str) -> str:
    return raw


def _parse_other(col: ColumnInfo, raw: str) -> Any:
    raise BadRequest(
        f"column {col.name} cannot be compared with a value", details={"column": col.name}
    )


_PARSERS: dict[Kind, Callable[[ColumnInfo, str], Any]] = {
    "string": _parse_string,
    "integer": _parse_integer,
    "number": _parse_number,
    "boolean": _parse_boolean,
    "date": _parse_date,
    "datetime": _parse_datetime,
    "time": _parse_time,
    "other": _parse_other,
}


def parse_value(col: ColumnInfo, raw: str) -> Any:
    """Turn a query-string value into a Python value of the column's type, or BadRequest."""
    return _PARSERS[col.kind](col, raw)


def parse_date_value(col: ColumnInfo, raw: str) -> dt.date:
    """Parse the day given to the ``date`` operator."""
    return _parse_date(col, raw)


def format_value(value: Any) -> str:
    """The text form of a database value that :func:`parse_value` reads back unchanged."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
