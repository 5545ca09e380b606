"""Masking operators with parseable rule strings, applied to values, arrays and tables.

``parse_rule`` turns a rule such as ``mask:keep=3,4`` or ``pseudonym:alg=sm3`` into an
operator (see ``rules`` for the grammar); ``apply_rule`` masks a list or a pyarrow array
and returns the same kind of container; ``apply_rules`` applies a {column: rule} mapping
to a pyarrow table, removing dropped columns. Keys are per dataset
(``derive_dataset_key``), so tokens are stable within a dataset and unlinkable across.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa

from kaifang.errors import InvalidInput
from kaifang.privacy.masking.base import MaskingOperator, check_key, derive_dataset_key
from kaifang.privacy.masking.rules import parse_rule

__all__ = [
    "MaskingOperator",
    "apply_rule",
    "apply_rules",
    "derive_dataset_key",
    "parse_rule",
]


def apply_rule(
    rule: str | MaskingOperator,
    values: pa.Array | pa.ChunkedArray | Sequence[object | None],
    *,
    key: bytes,
) -> pa.Array | list[object | None]:
    """Mask ``values`` by ``rule``; a list gives a list, an array an array; InvalidInput on bad input."""
    check_key(key)
    operator = parse_rule(rule) if isinstance(rule, str) else rule
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return operator.apply_array(values, key)
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise InvalidInput("values must be a list or a pyarrow array")
    return [operator.apply_value(None if value is None else str(value), key) for value in values]


def apply_rules(table: pa.Table, rules: Mapping[str, str], *, key: bytes) -> pa.Table:
    """Return ``table`` with each named column masked by its rule; InvalidInput if a column is missing."""
    check_key(key)
    missing = sorted(set(rules) - set(table.column_names))
    if missing:
        raise InvalidInput(f"no such column(s): {', '.join(missing)}", details={"columns": missing})
    operators = {column: parse_rule(rule) for column, rule in rules.items()}
    names: list[str] = []
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        operator = operators.get(name)
        if operator is not None and operator.removes_column:
            continue
        names.append(name)
        arrays.append(column if operator is None else operator.apply_array(column, key))
    return pa.table(arrays, names=names, metadata=table.schema.metadata)
