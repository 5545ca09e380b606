"""Parse a flat, Datasette-style query string into a filter tree and the page options.

Keys are ``col=value`` (exact), ``col__op=value`` or one of the special ``_`` parameters.
Every column name resolves through the server-side column map; unknown (and hidden) columns
and unknown operators are BadRequest naming them. Values stay raw strings here: they are
typed and bound as parameters when the tree is compiled (:mod:`kaifang.datastore.compiler`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from kaifang.datastore.columns import ColumnInfo, unknown_column
from kaifang.errors import BadRequest

OPERATORS = frozenset(
    {
        "exact",
        "not",
        "contains",
        "startswith",
        "endswith",
        "gt",
        "gte",
        "lt",
        "lte",
        "in",
        "notin",
        "isnull",
        "notnull",
        "date",
    }
)
LIST_OPERATORS = frozenset({"in", "notin"})
NULL_OPERATORS = frozenset({"isnull", "notnull"})
SPECIAL_PARAMS = frozenset(
    {"_sort", "_sort_desc", "_size", "_next", "_col", "_nocol", "_search"}
    | {"_facet", "_extra", "_version"}
)
EXTRAS = frozenset({"count"})
DEFAULT_SIZE = 100
MAX_SIZE = 1000
MAX_LIST_VALUES = 1000
MAX_FACETS = 10
MAX_SEARCH_LENGTH = 200
_VERSION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_TRUTHY_FLAGS = frozenset({"", "1", "true", "yes", "on"})


@dataclass(frozen=True)
class Condition:
    """One comparison: ``column`` ``op`` ``value`` (a tuple of values for in/notin)."""

    column: str
    op: str
    value: str | tuple[str, ...] = ""


@dataclass(frozen=True)
class And:
    children: tuple[FilterNode, ...] = ()


@dataclass(frozen=True)
class Or:
    children: tuple[FilterNode, ...] = ()


FilterNode = Condition | And | Or


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class QuerySpec:
    """A parsed data-API request: filters, sort, page, columns, search, facets, extras."""

    filter: And = field(default_factory=And)
    sort: Sort | None = None
    size: int = DEFAULT_SIZE
    next: str | None = None
    col: tuple[str, ...] = ()
    nocol: tuple[str, ...] = ()
    search: str | None = None
    facets: tuple[str, ...] = ()
    extras: frozenset[str] = frozenset()
    version: str | None = None


Pairs = Sequence[tuple[str, str]]


def to_pairs(params: Pairs | Mapping[str, str] | str) -> list[tuple[str, str]]:
    """Accept (key, value) pairs, a mapping or a raw query string."""
    if isinstance(params, str):
        return parse_qsl(params.lstrip("?"), keep_blank_values=True)
    if isinstance(params, Mapping):
        return list(params.items())
    return list(params)


def split_list(raw: str) -> tuple[str, ...]:
    """Values of ``in``/``notin``: a JSON array of scalars or comma-separated text."""
    text = raw.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            raise BadRequest(f"invalid JSON array: {raw[:40]!r}") from None
        if not isinstance(items, list) or any(isinstance(i, list | dict) for i in items):
            raise BadRequest("a JSON array of values was expected")
        if any(i is None for i in items):
            raise BadRequest("null is not a value; use __isnull")
        values = tuple(_json_scalar_text(i) for i in items)
    else:
        values = tuple(raw.split(","))
    if not values:
        raise BadRequest("an empty list was given")
    if len(values) > MAX_LIST_VALUES:
        raise BadRequest(f"at most {MAX_LIST_VALUES} values are allowed in a list")
    return values


def _json_scalar_text(item: object) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)


def parse_condition(key: str, value: str, columns: Mapping[str, ColumnInfo]) -> Condition:
    """Turn one ``col`` or ``col__op`` key into a Condition, resolving the column name."""
    if key in columns:
        column, op = key, "exact"
    elif "__" in key:
        column, op = key.rsplit("__", 1)
        if column not in columns:
            raise unknown_column(column)
        if op not in OPERATORS:
            raise BadRequest(f"unknown operator: {op[:32]}", details={"operator": op[:32]})
    else:
        raise unknown_column(key)
    if op in LIST_OPERATORS:
        return Condition(columns[column].name, op, split_list(value))
    if op in NULL_OPERATORS and value.strip().lower() not in _TRUTHY_FLAGS:
        raise BadRequest(f"{op} takes no value (or 1)", details={"column": column})
    return Condition(columns[column].name, op, value)


def parse_filter(params: Pairs | Mapping[str, str] | str, columns: Mapping[str, ColumnInfo]) -> And:
    """Parse filter-only parameters (e.g. a grant's row filter); special keys are refused."""
    conditions = []
    for key, value in to_pairs(params):
        if key in SPECIAL_PARAMS:
            raise BadRequest(f"{key} is not allowed in a row filter")
        conditions.append(parse_condition(key, value, columns))
    return And(tuple(conditions))


def _names(values: Iterable[str], columns: Mapping[str, ColumnInfo]) -> tuple[str, ...]:
    """Column names from repeated or comma-separated values, each resolved."""
    names: list[str] = []
    for raw in values:
        parts = [raw] if raw in columns else [p.strip() for p in raw.split(",") if p.strip()]
        for part in parts:
            if part not in columns:
                raise unknown_column(part)
            if part not in names:
                names.append(part)
    return tuple(names)


def _size(values: list[str]) -> int:
    raw = values[-1].strip()
    if raw == "max":
        return MAX_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SIZE:
        raise BadRequest(f"_size must be an integer between 1 and {MAX_SIZE}, or max")
    return int(raw)


def _single(key: str, values: list[str]) -> str:
    if len(values) > 1:
        raise BadRequest(f"{key} may be given only once")
    return values[0]


def _sort(special: dict[str, list[str]], columns: Mapping[str, ColumnInfo]) -> Sort | None:
    asc, desc = special.get("_sort"), special.get("_sort_desc")
    if asc and desc:
        raise BadRequest("give either _sort or _sort_desc, not both")
    if not asc and not desc:
        return None
    key = "_sort" if asc else "_sort_desc"
    name = _single(key, asc or desc or [])
    if name not in columns:
        raise unknown_column(name)
    if not columns[name].sortable:
        raise BadRequest(f"column {name} cannot be sorted", details={"column": name})
    return Sort(name, descending=bool(desc))


def _extras(values: list[str]) -> frozenset[str]:
    extras = {e.strip() for v in values for e in v.split(",") if e.strip()}
    unknown = sorted(extras - EXTRAS)
    if unknown:
        raise BadRequest(f"unknown _extra: {unknown[0][:32]}", details={"extra": unknown[0][:32]})
    return frozenset(extras)


def _search(values: list[str]) -> str | None:
    term = _single("_search", values).strip()
    if len(term) > MAX_SEARCH_LENGTH:
        raise BadRequest(f"_search is limited to {MAX_SEARCH_LENGTH} characters")
    return term or None


def _version(values: list[str]) -> str | None:
    raw = _single("_version", values).strip()
    if raw and not _VERSION_RE.fullmatch(raw):
        raise BadRequest("_version is not a valid version identifier")
    return raw or None


def _check_queryable(spec: QuerySpec, masked: Collection[str]) -> None:
    named = [c.column for c in spec.filter.children if isinstance(c, Condition)]
    named += list(spec.facets) + ([spec.sort.column] if spec.sort else [])
    for name in named:
        if name in masked:
            raise BadRequest(
                f"column {name} is masked and can only be read", details={"column": name}
            )


def parse_query(
    params: Pairs | Mapping[str, str] | str,
    columns: Mapping[str, ColumnInfo],
    *,
    masked: Collection[str] = (),
    ignore: Collection[str] = (),
) -> QuerySpec:
    """Parse a data-API query string against the caller's visible columns.

    ``masked`` columns may be selected but not filtered, sorted or faceted on; ``ignore``
    lists parameters the caller (e.g. the web layer's ``_format``) handles itself.
    Raises BadRequest for unknown columns, operators, parameters and malformed values.
    """
    special: dict[str, list[str]] = {}
    conditions: list[FilterNode] = []
    for key, value in to_pairs(params):
        if key in ignore:
            continue
        if key in SPECIAL_PARAMS:
            special.setdefault(key, []).append(value)
        elif key.startswith("_") and key not in columns and "__" not in key:
            raise BadRequest(f"unknown parameter: {key[:32]}", details={"parameter": key[:32]})
        else:
            conditions.append(parse_condition(key, value, columns))
    facets = _names(special.get("_facet", []), columns)
    if len(facets) > MAX_FACETS:
        raise BadRequest(f"at most {MAX_FACETS} facets are allowed")
    spec = QuerySpec(
        filter=And(tuple(conditions)),
        sort=_sort(special, columns),
        size=_size(special["_size"]) if "_size" in special else DEFAULT_SIZE,
        next=(_single("_next", special["_next"]) or None) if "_next" in special else None,
        col=_names(special.get("_col", []), columns),
        nocol=_names(special.get("_nocol", []), columns),
        search=_search(special["_search"]) if "_search" in special else None,
        facets=facets,
        extras=_extras(special.get("_extra", [])),
        version=_version(special["_version"]) if "_version" in special else None,
    )
    _check_queryable(spec, masked)
    return spec


def selected_columns(spec: QuerySpec, visible: Sequence[str]) -> list[str]:
    """The output columns: ``_col`` (in the given order) or all visible, minus ``_nocol``."""
    chosen = list(spec.col) if spec.col else list(visible)
    return [name for name in chosen if name not in spec.nocol]
