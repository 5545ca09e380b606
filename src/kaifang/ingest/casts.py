"""SQL expressions that turn staged text into typed values, with Python twins for sampling.

DuckDB's own casts are lenient (``'1.5'::BIGINT`` is 2, ``'0x10'`` is 16, ``'1_000'`` is 1000,
``'0021-05-09'`` is year 21), so every cast is guarded by an anchored RE2 pattern and yields
NULL for anything else. Recognised forms:

* integer: ``-12``, ``+7``; decimal: ``1234.50``, ``1,234.50``; float: ``1.5e-3``;
* boolean: true/false, t/f, yes/no, y/n, 是/否, 真/假 (not 1/0: those stay integers);
* date: ``2021-05-19``, ``2021/5/19``, ``2021.5.19``, ``2021年5月19日``, ``20210519``,
  and a date with a midnight time (what spreadsheets export for date cells);
* datetime: a date followed by ``12:30``, ``12:30:45(.123)``, ``12时30分(45秒)``, or ``T12:30``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

_WS = r"[ \t]*"
INT_RE = _WS + r"[+-]?[0-9]+" + _WS
_PLAIN_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_GROUPED_NUMBER = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?"
DECIMAL_RE = rf"{_WS}[+-]?(?:{_PLAIN_NUMBER}|{_GROUPED_NUMBER}){_WS}"
FLOAT_RE = rf"{_WS}[+-]?(?:{_PLAIN_NUMBER}(?:[eE][+-]?[0-9]+)?|{_GROUPED_NUMBER}){_WS}"
_YMD = _WS + r"([1-9][0-9]{3})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?"
DATE_RE = _YMD + r"(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?" + _WS
DATE8_RE = _WS + r"[0-9]{8}" + _WS
DATETIME_RE = (
    _YMD + r"[ T]*([0-9]{1,2})[:时]([0-9]{1,2})(?:[:分]([0-9]{1,2}(?:\.[0-9]{1,6})?)秒?|分)?" + _WS
)
LEADING_ZERO_RE = r"^[ \t]*[+-]?0[0-9]"
PHONE_RE = r"1[3-9][0-9]{9}"
TRUE_WORDS = ("true", "t", "yes", "y", "是", "真")
FALSE_WORDS = ("false", "f", "no", "n", "否", "假")
MIN_YEAR, MAX_YEAR = 1000, 9999
PLAUSIBLE_YEARS = (1900, 2100)


def quote_ident(name: str) -> str:
    """A DuckDB identifier, double-quoted with embedded quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A DuckDB string literal with embedded quotes doubled (values come from our options)."""
    return "'" + value.replace("'", "''") + "'"


def _list(values: Sequence[str]) -> str:
    return ", ".join(quote_literal(v) for v in values)


def value_expr(column: str, null_markers: Sequence[str]) -> str:
    """The cell, or NULL for empty cells and null markers such as ``N/A``.

    Cells are not trimmed here (trimming twelve columns costs more than the whole CSV parse);
    the type patterns accept blanks around values and DuckDB's casts ignore them.
    """
    col = quote_ident(column)
    markers = _list(sorted({*null_markers, "", " "}))
    return f"(CASE WHEN {col} IN ({markers}) THEN NULL ELSE {col} END)"


def _matches(v: str, pattern: str) -> str:
    return f"regexp_full_match({v}, {quote_literal(pattern)})"


def date_expr(v: str, *, guarded: bool = True) -> str:
    """DATE from any recognised date form, else NULL (``guarded=False`` trusts the form)."""
    normalized = f"regexp_replace({v}, {quote_literal('^' + DATE_RE + '$')}, '\\1-\\2-\\3')"
    yyyymmdd = f"CAST(try_strptime(trim({v}), '%Y%m%d') AS DATE)"
    if not guarded:
        rest = f"CASE WHEN {_matches(v, DATE8_RE)} THEN {yyyymmdd} ELSE TRY_CAST({normalized} AS DATE) END"
        return f"coalesce(TRY_CAST({v} AS DATE), {rest})"
    ymd = f"coalesce(TRY_CAST({v} AS DATE), TRY_CAST({normalized} AS DATE))"
    return f"(CASE WHEN {_matches(v, DATE_RE)} THEN {ymd} WHEN {_matches(v, DATE8_RE)} THEN {yyyymmdd} END)"


def datetime_expr(v: str, *, guarded: bool = True) -> str:
    """TIMESTAMP from a recognised date-time or date form, else NULL."""
    pattern = quote_literal("^" + DATETIME_RE + "$")
    rebuilt = f"rtrim(regexp_replace({v}, {pattern}, '\\1-\\2-\\3 \\4:\\5:\\6'), ':')"
    fast = f"coalesce(TRY_CAST({v} AS TIMESTAMP), TRY_CAST({rebuilt} AS TIMESTAMP))"
    if not guarded:
        return f"coalesce({fast}, CAST({date_expr(v, guarded=False)} AS TIMESTAMP))"
    return (
        f"(CASE WHEN {_matches(v, DATETIME_RE)} THEN {fast} "
        f"ELSE CAST({date_expr(v)} AS TIMESTAMP) END)"
    )


def _boolean_expr(v: str) -> str:
    """Exact spellings first (no per-row ``lower``), then case-insensitive ones."""
    yes = [*TRUE_WORDS, *(w.upper() for w in TRUE_WORDS), *(w.title() for w in TRUE_WORDS)]
    no = [*FALSE_WORDS, *(w.upper() for w in FALSE_WORDS), *(w.title() for w in FALSE_WORDS)]
    lowered = f"lower({v})"
    return (
        f"(CASE WHEN {v} IN ({_list(sorted(set(yes)))}) THEN true "
        f"WHEN {v} IN ({_list(sorted(set(no)))}) THEN false "
        f"WHEN {lowered} IN ({_list(TRUE_WORDS)}) THEN true "
        f"WHEN {lowered} IN ({_list(FALSE_WORDS)}) THEN false END)"
    )


def cast_expr(
    v: str,
    type_: str,
    precision: int | None = None,
    scale: int | None = None,
    *,
    guarded: bool = True,
) -> str:
    """The cast of value expression ``v`` to ``type_`` (NULL when it does not fit).

    ``guarded=False`` drops the pattern checks; use it only for columns whose every value was
    verified against the same patterns (inferred types), where it gives identical results.
    """
    if type_ == "integer":
        cast = f"TRY_CAST({v} AS BIGINT)"
        return cast if not guarded else f"(CASE WHEN {_matches(v, INT_RE)} THEN {cast} END)"
    if type_ in ("decimal", "float"):
        pattern = DECIMAL_RE if type_ == "decimal" else FLOAT_RE
        target = f"DECIMAL({precision or 18},{scale or 0})" if type_ == "decimal" else "DOUBLE"
        grouped = f"TRY_CAST(replace({v}, ',', '') AS {target})"
        if not guarded:
            return f"coalesce(TRY_CAST({v} AS {target}), {grouped})"
        return f"(CASE WHEN {_matches(v, pattern)} THEN {grouped} END)"
    if type_ == "boolean":
        return _boolean_expr(v)
    if type_ == "date":
        return date_expr(v, guarded=guarded)
    if type_ == "datetime":
        return datetime_expr(v, guarded=guarded)
    raise ValueError(f"no cast for type {type_!r}")


# --- Python twins: used only to order candidate types from a sample; SQL has the last word.

_PY_INT = re.compile(INT_RE)
_PY_DECIMAL = re.compile(DECIMAL_RE)
_PY_FLOAT = re.compile(FLOAT_RE)
_PY_DATE = re.compile(DATE_RE)
_PY_DATE8 = re.compile(DATE8_RE)
_PY_DATETIME = re.compile(DATETIME_RE)
_BOOL_WORDS = frozenset(TRUE_WORDS + FALSE_WORDS)


def _valid_ymd(y: str, m: str, d: str) -> bool:
    try:
        dt.date(int(y), int(m), int(d))
    except ValueError:
        return False
    return MIN_YEAR <= int(y) <= MAX_YEAR


def _py_date(value: str) -> bool:
    match = _PY_DATE.fullmatch(value)
    if match is not None:
        return _valid_ymd(*match.groups())
    day = value.strip(" \t")
    return _PY_DATE8.fullmatch(day) is not None and _valid_ymd(day[:4], day[4:6], day[6:])


def _py_datetime(value: str) -> bool:
    match = _PY_DATETIME.fullmatch(value)
    if match is None:
        return _py_date(value)
    return _valid_ymd(*match.groups()[:3]) and int(match.group(4)) < 24 and int(match.group(5)) < 60


PY_CHECKS: dict[str, Callable[[str], bool]] = {
    "boolean": lambda v: v.lower() in _BOOL_WORDS,
    "integer": lambda v: _PY_INT.fullmatch(v) is not None,
    "decimal": lambda v: _PY_DECIMAL.fullmatch(v) is not None,
    "float": lambda v: _PY_FLOAT.fullmatch(v) is not None,
    "date": _py_date,
    "datetime": _py_datetime,
}
CANDIDATE_ORDER: tuple[str, ...] = ("boolean", "integer", "decimal", "float", "date", "datetime")


def clean_sample_value(value: str | None, null_markers: frozenset[str]) -> str | None:
    """The Python twin of ``value_expr``."""
    if value is None or value in null_markers or value == " ":
        return None
    return value
