"""Opaque keyset cursors: base64url JSON of the sort, the last sort key and the last id."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from kaifang.errors import BadRequest

MAX_CURSOR_CHARS = 512
_INVALID = "无效的翻页游标 (invalid cursor)"


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: its sort, last sort key and last dataset id."""

    sort: str
    key: int
    dataset_id: int


def encode_cursor(cursor: Cursor) -> str:
    """The opaque text form of ``cursor``."""
    raw = json.dumps({"s": cursor.sort, "k": cursor.key, "i": cursor.dataset_id})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, *, sort: str) -> Cursor:
    """Parse a cursor issued for ``sort``; BadRequest when it is malformed or tampered with."""
    if not token or len(token) > MAX_CURSOR_CHARS:
        raise BadRequest(_INVALID)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw, parse_constant=_reject_constant)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest(_INVALID) from None
    if not isinstance(data, dict) or set(data) != {"s", "k", "i"} or data["s"] != sort:
        raise BadRequest(_INVALID)
    key, dataset_id = data["k"], data["i"]
    if not _is_int(dataset_id) or not _is_int(key):
        raise BadRequest(_INVALID)
    return Cursor(sort=sort, key=key, dataset_id=dataset_id)


def _reject_constant(name: str) -> float:
    raise ValueError(name)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63
