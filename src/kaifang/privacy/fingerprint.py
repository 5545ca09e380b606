"""Invisible per-recipient fingerprints in tabular extracts (Agrawal-Kiernan style).

Embedding: a keyed HMAC over each row's key value and a column name selects about
``fraction`` of the cells of the marked numeric columns, and also picks which of the
recipient's 64 fingerprint bits the cell carries and a mask bit. The cell's last decimal
digit is made even or odd to carry ``bit XOR mask`` (``units & ~1 | target``), so each
marked cell moves by at most one unit of its last decimal place and the half above the
parity (``units >> 1``) never changes. Identifier and code columns, low-cardinality
columns, years and small numbers are never touched.

Aggregate-error bound: a marked column's sum moves by at most (number of marked cells) x
(one unit of the last decimal place); its mean by at most ``fraction`` units, and by
about zero in practice because changes are +1 on even and -1 on odd values.

Detection: recompute the selection on the suspect table, read every selected cell's
parity, and vote per fingerprint bit (majority). Under the null hypothesis (unmarked data
or another recipient's copy) each decided bit agrees with a candidate's fingerprint with
probability 1/2 independently, so agreements follow Binomial(n, 1/2). The best candidate
is named only when its binomial tail p-value times the number of candidates is at most
``alpha`` (default 1e-6), which bounds the false-accusation probability by ``alpha``.
Row deletion, shuffling and column reordering change nothing (selection depends on the
row's key and the column's name); altered cells only add noisy votes. Collusion (mixing
several recipients' copies) is not traced: it makes every candidate fall short.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from kaifang.errors import InvalidInput
from kaifang.privacy import hints

BITS = 64
DEFAULT_FRACTION = 0.5
DEFAULT_ALPHA = 1e-6
_MIN_DECIDED_BITS = 16
_MIN_DISTINCT = 10
_MIN_MEDIAN_UNITS = 100
_MAX_SCALE = 6
_KEY_WORDS = ("编号", "代码", "编码", "号码", "证件", "身份证", "序号", "流水号", "标识")
_KEY_TOKENS = frozenset({"id", "no", "code", "key", "uuid", "sfzh", "uscc"})
_NOT_MARKABLE_WORDS = (
    *_KEY_WORDS,
    "年",
    "月",
    "日期",
    "时间",
    "邮编",
    "电话",
    "经度",
    "纬度",
    "坐标",
)
_NOT_MARKABLE_TOKENS = _KEY_TOKENS | {
    "year",
    "month",
    "date",
    "time",
    "zip",
    "postcode",
    "phone",
    "lat",
    "lng",
    "lon",
}


@dataclass(frozen=True, slots=True)
class TraceResult:
    """Outcome of ``detect``: the recipient (or None), a 0-1 confidence and the numbers."""

    recipient_id: int | None
    confidence: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """Return a plain sentence for people reading a leak report."""
        if self.recipient_id is None:
            return "no fingerprint found"
        return (
            f"fingerprint of recipient {self.recipient_id} found (confidence {self.confidence:.6f})"
        )


@dataclass(frozen=True, slots=True)
class _Plan:
    key_column: str | None
    columns: dict[str, int]  # marked (or read) column -> decimal scale


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [token for token in re.split(r"[^0-9a-z]+", spaced.lower()) if token]


def _is_key_like(name: str) -> bool:
    tokens = _tokens(name)
    return any(word in name for word in _KEY_WORDS) or any(
        token in _KEY_TOKENS or token.endswith("id") for token in tokens
    )


def _is_markable_name(name: str) -> bool:
    if hints.kinds_for(name) or _is_key_like(name):
        return False
    tokens = _tokens(name)
    return not any(word in name for word in _NOT_MARKABLE_WORDS) and not any(
        token in _NOT_MARKABLE_TOKENS for token in tokens
    )


def _is_numeric(data_type: pa.DataType) -> bool:
    return (
        pa.types.is_integer(data_type)
        or pa.types.is_floating(data_type)
        or pa.types.is_decimal(data_type)
    )


def readable_columns(table: pa.Table) -> list[str]:
    """Return the columns that may carry marks judged by name and type only (stable under attack)."""
    return sorted(
        name
        for name, column in zip(table.column_names, table.columns, strict=True)
        if _is_numeric(column.type) and _is_markable_name(name)
    )


def _scale(column: pa.ChunkedArray) -> int:
    """Return the modal number of decimals of a float or decimal column (0 for integers)."""
    if pa.types.is_integer(column.type):
        return 0
    sample = [value for value in column.slice(0, 2000).to_pylist() if value is not None]
    counts: Counter[int] = Counter()
    for value in sample:
        text = (str(value) if isinstance(value, Decimal) else repr(float(value))).lower()
        if "e" in text or "n" in text:
            counts[_MAX_SCALE] += 1
        else:
            decimals = text.partition(".")[2].rstrip("0")
            counts[min(len(decimals), _MAX_SCALE)] += 1
    return counts.most_common(1)[0][0] if counts else 0


def _units(column: pa.ChunkedArray, scale: int) -> list[int | None]:
    """Return the column as integers counting units of its last decimal place."""
    if pa.types.is_integer(column.type):
        return column.to_pylist()
    scaled = pc.round(pc.multiply(pc.cast(column, pa.float64()), float(10**scale)))
    return [None if value is None else int(value) for value in scaled.to_pylist()]


def _is_markable_values(units: list[int | None]) -> bool:
    present = [abs(value) for value in units if value is not None]
    if len(set(present)) < _MIN_DISTINCT or max(present, default=0) >= 2**52:
        return False
    if all(1900 <= value <= 2100 for value in present):
        return False  # years
    return sorted(present)[len(present) // 2] >= _MIN_MEDIAN_UNITS


def _choose_key_column(table: pa.Table, readable: set[str]) -> str | None:
    """Return the identifier-like string/integer column with the most distinct values."""
    best: tuple[int, str] | None = None
    for name, column in zip(table.column_names, table.columns, strict=True):
        if name in readable or not _is_key_like(name):
            continue
        if not (
            pa.types.is_string(column.type)
            or pa.types.is_large_string(column.type)
            or pa.types.is_integer(column.type)
        ):
            continue
        distinct = len(pc.unique(column))
        if distinct >= 0.5 * max(1, len(column)) and (best is None or (distinct, name) > best):
            best = (distinct, name)
    return None if best is None else best[1]


def _row_keys(table: pa.Table, plan: _Plan, readable: Sequence[str]) -> list[str | None]:
    """Return each row's key: the key column's value, or a virtual key over the row."""
    if plan.key_column is not None:
        return [None if v is None else str(v) for v in table.column(plan.key_column).to_pylist()]
    parts: list[list[str]] = [[] for _ in range(table.num_rows)]
    for name in sorted(table.column_names):
        column = table.column(name)
        if name in readable:
            values: list[Any] = [
                None if u is None else u >> 1 for u in _units(column, _scale(column))
            ]
        else:
            values = column.to_pylist()
        for row, value in enumerate(values):
            parts[row].append("" if value is None else str(value))
    return ["\x1f".join(row) for row in parts]


def _fingerprint_bits(key: bytes, recipient_id: int) -> list[int]:
    digest = hmac.digest(
        key, b"kaifang/fingerprint/recipient\x00" + str(recipient_id).encode(), "sha256"
    )
    number = int.from_bytes(digest[: BITS // 8], "big")
    return [(number >> index) & 1 for index in range(BITS)]


def _cell_hash(cell_key: bytes, row_key: str, column: str) -> int:
    message = row_key.encode("utf-8") + b"\x1f" + column.encode("utf-8")
    return int.from_bytes(hmac.digest(cell_key, message, hashlib.sha256)[:8], "big")


def _cell_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) < 16:
        raise InvalidInput("a fingerprint key must be at least 16 bytes")
    return hmac.digest(key, b"kaifang/fingerprint/cells", "sha256")


def _selected(digest: int, fraction: float) -> tuple[bool, int, int]:
    """Return (selected, bit index, mask bit) for one cell's HMAC."""
    chosen = (digest & 0xFFFFF) < fraction * 0x100000
    return chosen, (digest >> 20) % BITS, (digest >> 40) & 1


def plan_fingerprint(
    table: pa.Table, *, key_column: str | None = None, columns: Sequence[str] | None = None
) -> tuple[str | None, dict[str, int]]:
    """Return (key column or None for a virtual key, {marked column: decimal scale})."""
    readable = readable_columns(table)
    if columns is not None:
        unknown = [c for c in columns if c not in table.column_names]
        refused = [c for c in columns if c in table.column_names and c not in readable]
        if unknown or refused:
            raise InvalidInput(
                "columns must be numeric, non-identifier columns of the table",
                details={"unknown": unknown, "not_markable": refused},
            )
    if key_column is not None and key_column not in table.column_names:
        raise InvalidInput(f"no such key column {key_column!r}")
    if key_column is None:
        key_column = _choose_key_column(table, set(readable))
    candidates = [c for c in (columns if columns is not None else readable) if c != key_column]
    marked: dict[str, int] = {}
    for name in candidates:
        column = table.column(name)
        scale = _scale(column)
        if columns is not None or _is_markable_values(_units(column, scale)):
            marked[name] = scale
    return key_column, marked


@dataclass(frozen=True, slots=True)
class FingerprintPlan:
    """Which key column and which numeric columns (with their decimal scale) carry marks.

    Fixed once per extract (from its first rows) so a streamed extract is marked batch by
    batch exactly as the whole table would be.
    """

    key_column: str | None
    columns: dict[str, int]


def plan_extract(table: pa.Table | pa.RecordBatch) -> FingerprintPlan | None:
    """Return the plan for marking an extract like ``table``, or None if nothing can carry it."""
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    key_column, marked = plan_fingerprint(table)
    return FingerprintPlan(key_column, marked) if marked else None


def embed(
    table: pa.Table,
    *,
    key: bytes,
    recipient_id: int,
    key_column: str | None = None,
    columns: Sequence[str] | None = None,
    fraction: float = DEFAULT_FRACTION,
) -> pa.Table:
    """Return a copy of ``table`` carrying the recipient's fingerprint; InvalidInput if nothing can carry it."""
    chosen_key, marked = plan_fingerprint(table, key_column=key_column, columns=columns)
    if not marked:
        raise InvalidInput("no numeric, non-identifier column can carry a fingerprint")
    plan = FingerprintPlan(chosen_key, marked)
    return embed_planned(table, plan, key=key, recipient_id=recipient_id, fraction=fraction)


def embed_planned(
    table: pa.Table,
    plan: FingerprintPlan,
    *,
    key: bytes,
    recipient_id: int,
    fraction: float = DEFAULT_FRACTION,
) -> pa.Table:
    """Return ``table`` with the recipient's marks in the plan's columns (missing ones skipped)."""
    if not 0.05 <= fraction <= 1.0:
        raise InvalidInput("fraction must be between 0.05 and 1")
    cell_key = _cell_key(key)
    bits = _fingerprint_bits(key, recipient_id)
    row_keys = _row_keys(table, _Plan(plan.key_column, plan.columns), readable_columns(table))
    for name, scale in plan.columns.items():
        if name not in table.column_names:
            continue
        column = table.column(name)
        units = _units(column, scale)
        for row, (row_key, value) in enumerate(zip(row_keys, units, strict=True)):
            if value is None or row_key is None:
                continue
            chosen, bit, mask = _selected(_cell_hash(cell_key, row_key, name), fraction)
            if chosen:
                units[row] = (value & ~1) | (bits[bit] ^ mask)
        table = table.set_column(
            table.column_names.index(name), name, _from_units(units, column.type, scale)
        )
    return table


def embed_batch(
    batch: pa.RecordBatch, plan: FingerprintPlan, *, key: bytes, recipient_id: int
) -> pa.RecordBatch:
    """Return one streamed batch of an extract marked according to ``plan``."""
    if batch.num_rows == 0:
        return batch
    marked = embed_planned(pa.Table.from_batches([batch]), plan, key=key, recipient_id=recipient_id)
    return pa.RecordBatch.from_arrays(
        [column.combine_chunks() for column in marked.columns], schema=batch.schema
    )


def _from_units(units: list[int | None], data_type: pa.DataType, scale: int) -> pa.Array:
    if pa.types.is_integer(data_type):
        return pa.array(units, data_type)
    if pa.types.is_decimal(data_type):
        return pa.array(
            [None if u is None else Decimal(u).scaleb(-scale) for u in units], data_type
        )
    divisor = 10**scale
    return pa.array([None if u is None else u / divisor for u in units], data_type)


def detect(
    table: pa.Table,
    *,
    key: bytes,
    candidates: Iterable[int],
    key_column: str | None = None,
    columns: Sequence[str] | None = None,
    fraction: float = DEFAULT_FRACTION,
    alpha: float = DEFAULT_ALPHA,
) -> TraceResult:
    """Return the recipient whose fingerprint ``table`` carries, or None with "no fingerprint found"."""
    people = sorted(set(candidates))
    if not people:
        raise InvalidInput("at least one candidate recipient is required")
    cell_key = _cell_key(key)
    readable = readable_columns(table)
    if key_column is None:
        key_column = _choose_key_column(table, set(readable))
    read = [c for c in (columns if columns is not None else readable) if c != key_column]
    plan = _Plan(
        key_column,
        {name: _scale(table.column(name)) for name in read if name in table.column_names},
    )
    votes, cells = _collect_votes(table, plan, readable, cell_key, fraction)
    recovered = {bit: int(ones > zeros) for bit, (zeros, ones) in votes.items() if ones != zeros}
    details: dict[str, Any] = {
        "key_column": key_column,
        "columns": sorted(plan.columns),
        "cells_read": cells,
        "bits_decided": len(recovered),
        "candidates": len(people),
        "alpha": alpha,
    }
    if len(recovered) < _MIN_DECIDED_BITS:
        return TraceResult(None, 0.0, {**details, "reason": "too few marked cells to decide"})
    return _judge(key, people, recovered, alpha, details)


def _collect_votes(
    table: pa.Table, plan: _Plan, readable: Sequence[str], cell_key: bytes, fraction: float
) -> tuple[dict[int, list[int]], int]:
    """Return {bit: [votes for 0, votes for 1]} over every selected cell, and the cell count."""
    votes: dict[int, list[int]] = {}
    cells = 0
    row_keys = _row_keys(table, plan, readable)
    for name, scale in plan.columns.items():
        for row_key, value in zip(row_keys, _units(table.column(name), scale), strict=True):
            if value is None or row_key is None:
                continue
            chosen, bit, mask = _selected(_cell_hash(cell_key, row_key, name), fraction)
            if chosen:
                votes.setdefault(bit, [0, 0])[(value & 1) ^ mask] += 1
                cells += 1
    return votes, cells


def _judge(
    key: bytes, people: list[int], recovered: dict[int, int], alpha: float, details: dict[str, Any]
) -> TraceResult:
    """Test every candidate against the recovered bits and name one only past the bound."""
    decided = len(recovered)
    scored = []
    for person in people:
        bits = _fingerprint_bits(key, person)
        matches = sum(1 for bit, value in recovered.items() if bits[bit] == value)
        scored.append((binomial_tail(decided, matches), -matches, person))
    scored.sort()
    p_value, negative_matches, best = scored[0]
    corrected = min(1.0, p_value * len(people))
    details = {
        **details,
        "matches": -negative_matches,
        "p_value": p_value,
        "corrected_p": corrected,
    }
    if len(scored) > 1:
        details["runner_up_matches"] = -scored[1][1]
    if corrected > alpha:
        return TraceResult(None, 0.0, {**details, "reason": "no candidate passes the bound"})
    return TraceResult(best, 1.0 - corrected, details)


def binomial_tail(trials: int, successes: int) -> float:
    """Return P(X >= successes) for X ~ Binomial(trials, 1/2), exactly."""
    if successes <= 0:
        return 1.0
    total = sum(math.comb(trials, k) for k in range(successes, trials + 1))
    return total / 2**trials
