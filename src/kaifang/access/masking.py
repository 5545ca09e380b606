"""The default masker for grant rules of the form ``mask:keep=a,b``; the privacy engine may replace it.

A *masker factory* turns a rule string into a callable over Arrow arrays, or returns None for a
rule it does not know. Grants are validated with the same factory that serves them, and at
serving time a column whose rule is unknown is withheld rather than shown unmasked.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa

from kaifang.datastore.access import Masker

MaskerFactory = Callable[[str], Masker | None]
_KEEP = re.compile(r"^mask:keep=(\d{1,3}),(\d{1,3})$")
MASK_CHAR = "*"


def mask_text(value: str, keep_first: int, keep_last: int) -> str:
    """Keep the first and last characters and star the middle; short values are fully starred."""
    if len(value) <= keep_first + keep_last:
        return MASK_CHAR * len(value)
    middle = len(value) - keep_first - keep_last
    tail = value[len(value) - keep_last :] if keep_last else ""
    return value[:keep_first] + MASK_CHAR * middle + tail


def keep_masker(keep_first: int, keep_last: int) -> Masker:
    """A masker keeping ``keep_first`` leading and ``keep_last`` trailing characters as text."""

    def masker(values: pa.Array) -> pa.Array:
        masked = [
            None if v is None else mask_text(str(v), keep_first, keep_last)
            for v in values.to_pylist()
        ]
        return pa.array(masked, type=pa.string())

    return masker


def default_masker_factory(rule: str) -> Masker | None:
    """Understands ``mask:keep=a,b`` only; any other rule gives None."""
    match = _KEEP.match(rule.strip())
    if match is None:
        return None
    return keep_masker(int(match.group(1)), int(match.group(2)))
