"""Parser values as Arrow text columns: the conversions every reader shares.

Light on purpose (PyArrow only): the sandboxed spreadsheet child (``sheetparse``) imports it,
and its start-up time is on the upload's critical path.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

BATCH_ROWS = 16_384


def column_id(index: int) -> str:
    """The staging/batch column name of source column ``index``."""
    return f"c{index}"


def text_of(value: object) -> str | None:
    """A scalar from a parser as text: ints and integral floats without ``.0``, ISO dates."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def typed_to_text(values: Sequence[object]) -> tuple[pa.Array, pa.Array | None]:
    """A column of parser values as text, vectorised when uniform; plus the numbers, if any."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        floats = pa.array([v for v in values if type(v) is float], type=pa.float64())
        return pa.array([text_of(v) for v in values], type=pa.string()), floats
    converted = arrow_to_text(array)
    if converted is not None:
        return converted
    return pa.array([text_of(v) for v in values], type=pa.string()), None


def arrow_to_text(array: pa.Array) -> tuple[pa.Array, pa.Array | None] | None:
    """A uniform column as text, plus the numbers if it holds numbers; None for other types.

    fastexcel's typed columns (``sheetstream``) come here directly. Its dates, times and
    durations are not converted: python-calamine decides between a date, a time and a datetime
    from the cell's serial number (a fraction below a millisecond makes a datetime of midnight,
    serials out of range stay numbers), which millisecond timestamps no longer tell.
    """
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = pc.cast(array, pa.string())
        return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text), None
    if pa.types.is_null(kind):
        return pa.nulls(len(array), pa.string()), None
    if pa.types.is_integer(kind):
        return pc.cast(array, pa.string()), array
    if pa.types.is_floating(kind):
        return _float_text(array), array
    if pa.types.is_boolean(kind):
        return pc.if_else(array, "true", "false"), None
    return None


def _float_text(array: pa.Array) -> pa.Array:
    """Floats as text that parses back to the same double (Arrow's cast can drop a digit)."""
    text = pc.cast(array, pa.string())
    lossy = pc.not_equal(pc.cast(text, pa.float64()), pc.cast(array, pa.float64()))
    if not pc.any(lossy).as_py():
        return text
    values = text.to_pylist()
    for index in pc.indices_nonzero(lossy).to_pylist():
        values[index] = text_of(array[index].as_py())
    return pa.array(values, type=pa.string())
