"""The masking-operator contract and the helpers every operator shares.

An operator transforms one column. ``apply_value`` is the scalar definition;
``apply_array`` is the columnar one, by default computed once per distinct value through
dictionary encoding (most PII columns repeat values, and a value's output must be the same
wherever it appears anyway). Operators that pyarrow can do natively override it.
"""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kaifang.errors import InvalidInput

ALGORITHMS = ("sha256", "sm3")
_MIN_KEY_BYTES = 16


class MaskingOperator(ABC):
    """One masking rule: a scalar definition plus a columnar application."""

    name: ClassVar[str]
    removes_column: ClassVar[bool] = False

    @property
    @abstractmethod
    def rule(self) -> str:
        """Return the canonical rule string that parses back to this operator."""

    @abstractmethod
    def apply_value(self, value: str | None, key: bytes) -> str | None:
        """Return the masked form of one value (None stays None)."""

    def apply_array(self, array: pa.Array, key: bytes) -> pa.Array:
        """Return the masked column; by default once per distinct value."""
        return map_distinct(array, lambda value: self.apply_value(value, key))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.rule!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MaskingOperator) and other.rule == self.rule

    def __hash__(self) -> int:
        return hash(self.rule)


def as_strings(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Return ``array`` as one string array (dates as ISO text, numbers as decimal text)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_string(array.type):
        return array
    if pa.types.is_large_string(array.type):
        return array.cast(pa.string())
    return pc.cast(array, pa.string())


def map_distinct(
    array: pa.Array | pa.ChunkedArray, function: Callable[[str | None], str | None]
) -> pa.Array:
    """Apply ``function`` once per distinct value and spread the results (nulls stay null)."""
    strings = as_strings(array)
    encoded = pc.dictionary_encode(strings)
    mapped = pa.array([function(value) for value in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(mapped, encoded.indices)


def keyed_digest(key: bytes, purpose: str, value: str, algorithm: str = "sha256") -> bytes:
    """Return HMAC(key, purpose NUL value) with SHA-256 or SM3; purposes never collide."""
    message = purpose.encode() + b"\x00" + value.encode("utf-8")
    if algorithm == "sha256":
        return hmac.digest(key, message, hashlib.sha256)
    if algorithm == "sm3":
        mac = crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(message)
        return mac.finalize()
    raise InvalidInput(f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")


def derive_dataset_key(master_key: bytes, dataset_id: str, *, algorithm: str = "sha256") -> bytes:
    """Return the per-dataset key (HKDF); InvalidInput for a short master key or bad algorithm.

    Values pseudonymised under one dataset's key are stable within that dataset and
    unlinkable to the same values in another dataset.
    """
    if len(master_key) < _MIN_KEY_BYTES:
        raise InvalidInput(f"the master key must be at least {_MIN_KEY_BYTES} bytes")
    if not dataset_id:
        raise InvalidInput("a dataset id is required to derive a dataset key")
    if algorithm not in ALGORITHMS:
        raise InvalidInput(f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")
    digest = hashes.SHA256() if algorithm == "sha256" else hashes.SM3()
    kdf = HKDF(
        algorithm=digest, length=32, salt=None, info=b"kaifang/masking/" + dataset_id.encode()
    )
    return kdf.derive(master_key)


def check_key(key: bytes) -> None:
    """Raise InvalidInput unless ``key`` is bytes of a usable length."""
    if not isinstance(key, bytes) or len(key) < _MIN_KEY_BYTES:
        raise InvalidInput(f"a masking key must be at least {_MIN_KEY_BYTES} bytes")
