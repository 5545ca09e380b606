"""Opaque keyset cursors: base64url JSON of the last row's sort position plus a MAC.

With a key the MAC is an HMAC-SHA256 (forgery-proof); without one it is a plain SHA-256
checksum that still catches garbled or truncated tokens. Either way every decoded field is
validated against the current sort and the sort column's type before it is bound.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from kaifang.datastore.columns import ColumnInfo
from kaifang.datastore.filters import Sort
from kaifang.errors import BadRequest

MAX_CURSOR_LENGTH = 4096
_MAC_BYTES = 16
_KIND_TAGS = {
    "string": {"s"},
    "integer": {"i"},
    "number": {"f", "n"},
    "boolean": {"b"},
    "date": {"D"},
    "datetime": {"T"},
    "time": {"t"},
}


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: bytes, key: bytes | None) -> bytes:
    if key:
        return hmac.new(key, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    return hashlib.sha256(b"kaifang-cursor\x00" + payload).digest()[:_MAC_BYTES]


def _encode_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return {"b": value}
    if isinstance(value, int):
        return {"i": str(value)}
    if isinstance(value, float):
        return {"f": repr(value)}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, str):
        return {"s": value}
    if isinstance(value, dt.datetime):
        return {"T": value.isoformat()}
    if isinstance(value, dt.date):
        return {"D": value.isoformat()}
    if isinstance(value, dt.time):
        return {"t": value.isoformat()}
    raise TypeError(f"cannot page on values of type {type(value).__name__}")


_DECODERS: dict[str, Any] = {
    "b": lambda v: v if isinstance(v, bool) else _invalid(),
    "i": lambda v: int(v) if isinstance(v, str) and len(v) <= 41 else _invalid(),
    "f": lambda v: float(v) if isinstance(v, str) and len(v) <= 40 else _invalid(),
    "n": lambda v: Decimal(v) if isinstance(v, str) and len(v) <= 80 else _invalid(),
    "s": lambda v: v if isinstance(v, str) else _invalid(),
    "T": lambda v: dt.datetime.fromisoformat(v),
    "D": lambda v: dt.date.fromisoformat(v),
    "t": lambda v: dt.time.fromisoformat(v),
}


def _invalid() -> NoReturn:
    raise BadRequest("invalid _next cursor")


def _decode_value(raw: Any, column: ColumnInfo | None) -> Any:
    if raw is None:
        return None
    if column is None or not isinstance(raw, dict) or len(raw) != 1:
        _invalid()
    ((tag, inner),) = raw.items()
    if tag not in _KIND_TAGS.get(column.kind, set()):
        _invalid()
    try:
        return _DECODERS[tag](inner)
    except (ValueError, TypeError, InvalidOperation):
        _invalid()


def encode_cursor(sort: Sort | None, value: Any, rowid: int, *, key: bytes | None = None) -> str:
    """The opaque ``next`` token for the position after the row (value, rowid)."""
    body = {
        "v": 1,
        "s": sort.column if sort else None,
        "d": bool(sort and sort.descending),
        "k": _encode_value(value) if sort else None,
        "r": int(rowid),
    }
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return _b64e(payload) + "." + _b64e(_mac(payload, key))


def decode_cursor(
    token: str, sort: Sort | None, sort_column: ColumnInfo | None, *, key: bytes | None = None
) -> tuple[Any, int]:
    """Return (last sort value, last rowid) or BadRequest if the token is tampered or foreign."""
    if len(token) > MAX_CURSOR_LENGTH or token.count(".") != 1:
        _invalid()
    text, mac_text = token.split(".")
    try:
        payload, mac = _b64d(text), _b64d(mac_text)
    except (binascii.Error, ValueError):
        _invalid()
    if not hmac.compare_digest(mac, _mac(payload, key)):
        _invalid()
    try:
        body = json.loads(payload)
    except ValueError:
        _invalid()
    if not isinstance(body, dict) or set(body) != {"v", "s", "d", "k", "r"} or body["v"] != 1:
        _invalid()
    if body["s"] != (sort.column if sort else None) or body["d"] != bool(sort and sort.descending):
        raise BadRequest("the _next cursor belongs to a different sort order")
    rowid = body["r"]
    if not isinstance(rowid, int) or isinstance(rowid, bool) or rowid < 0:
        _invalid()
    value = _decode_value(body["k"], sort_column) if sort else None
    return value, rowid
