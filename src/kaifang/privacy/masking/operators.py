"""Masking operators: keep, mask, pseudonym, substitute, suppress, drop and redact."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from kaifang import checksums
from kaifang.privacy.masking.base import MaskingOperator, as_strings, keyed_digest, map_distinct
from kaifang.privacy.values import STATUS_CHECKS, VALID, canonical


class KeepOperator(MaskingOperator):
    """Leave the column as it is (non-PII or already masked)."""

    name = "keep"

    @property
    def rule(self) -> str:
        return "keep"

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        return value

    def apply_array(self, array: pa.Array, key: bytes) -> pa.Array:
        return array


def mask_text(value: str, first: int, last: int, char: str = "*") -> str:
    """Keep ``first`` and ``last`` characters and mask the rest; mask all if too short."""
    if len(value) <= first + last:
        return char * len(value)
    return value[:first] + char * (len(value) - first - last) + value[len(value) - last :]


class MaskOperator(MaskingOperator):
    """Replace the middle of each value by a mask character: ``mask:keep=3,4``."""

    name = "mask"

    def __init__(self, first: int = 3, last: int = 4, char: str = "*") -> None:
        self.first, self.last, self.char = first, last, char

    @property
    def rule(self) -> str:
        suffix = "" if self.char == "*" else f";char={self.char}"
        return f"mask:keep={self.first},{self.last}{suffix}"

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        return None if value is None else mask_text(value, self.first, self.last, self.char)

    def apply_array(self, array: pa.Array, key: bytes) -> pa.Array:
        """Mask with pyarrow kernels, no per-value Python."""
        strings = as_strings(array)
        length = pc.utf8_length(strings)
        hidden = pc.max_element_wise(pc.subtract(length, self.first + self.last), 0)
        head = pc.utf8_slice_codeunits(strings, 0, self.first)
        tail = (
            pc.utf8_slice_codeunits(strings, -self.last)
            if self.last
            else pc.if_else(pc.is_null(strings), pa.scalar(None, pa.string()), "")
        )
        joined = pc.binary_join_element_wise(head, pc.binary_repeat(self.char, hidden), tail, "")
        too_short = pc.less_equal(length, self.first + self.last)
        return pc.if_else(too_short, pc.binary_repeat(self.char, length), joined)


class EmailMaskOperator(MaskingOperator):
    """Keep the first character of the local part and the domain: ``z***@example.com``."""

    name = "mask"

    @property
    def rule(self) -> str:
        return "mask:email"

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        if value is None:
            return None
        local, at, domain = value.rpartition("@")
        if not at or not local:
            return mask_text(value, 1, 0)
        return local[0] + "***@" + domain


def pseudonym_input(value: str) -> str:
    """Return the form a value is hashed in: NFKC, stripped, inner spaces removed, upper case."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


class PseudonymOperator(MaskingOperator):
    """Keyed HMAC token (SHA-256 or SM3): same value, same token within one dataset key."""

    name = "pseudonym"

    def __init__(self, algorithm: str = "sha256", length: int = 24) -> None:
        self.algorithm, self.length = algorithm, length

    @property
    def rule(self) -> str:
        return f"pseudonym:alg={self.algorithm};len={self.length}"

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        if value is None:
            return None
        digest = keyed_digest(key, "pseudonym", pseudonym_input(value), self.algorithm)
        return digest.hex()[: self.length]


def _fake_resident_id(rng: random.Random, value: str) -> str:
    fake = checksums.make_resident_id(rng)
    return fake[:6] + fake[8:17] if len(value) == 15 else fake


def _fake_mobile(rng: random.Random, value: str) -> str:
    return checksums.make_mobile(rng, value[:3])


def _fake_bank_card(rng: random.Random, value: str) -> str:
    return checksums.make_bank_card(rng, len(value), value[:6])


def _fake_uscc(rng: random.Random, value: str) -> str:
    fake = checksums.make_uscc(rng)
    body = value[:2] + fake[2:17]
    return body + checksums.uscc_check_char(body)


_FAKERS: dict[str, Callable[[random.Random, str], str]] = {
    "resident_id": _fake_resident_id,
    "uscc": _fake_uscc,
    "bank_card": _fake_bank_card,
    "mobile": _fake_mobile,
}
SUBSTITUTE_KINDS = tuple(_FAKERS)


class SubstituteOperator(MaskingOperator):
    """Replace a value by a valid fake of the same kind (check digit included), keyed.

    Kept: the carrier prefix of a mobile, the BIN and length of a card, the authority and
    type characters of a USCC, the length (15/18) of an ID. Values that are not a valid
    instance of the kind are suppressed rather than passed through.
    """

    name = "substitute"

    def __init__(self, kind: str | None = None) -> None:
        self.kind = kind

    @property
    def rule(self) -> str:
        return "substitute" if self.kind is None else f"substitute:kind={self.kind}"

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        if value is None:
            return None
        text = "".join(canonical(value).split()).replace("-", "").upper()
        kind = self.kind or next((k for k in _FAKERS if STATUS_CHECKS[k](text) == VALID), None)
        if kind is None or STATUS_CHECKS[kind](text) != VALID:
            return None
        seed = int.from_bytes(keyed_digest(key, f"substitute/{kind}", text), "big")
        # The secret is the HMAC seed; the PRNG only spreads it into digits, so the same
        # value always gets the same fake under one key and no other key predicts it.
        return _FAKERS[kind](random.Random(seed), text)


class SuppressOperator(MaskingOperator):
    """Blank every value (the column stays, empty)."""

    name = "suppress"

    @property
    def rule(self) -> str:
        return "suppress"

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        return None

    def apply_array(self, array: pa.Array, key: bytes) -> pa.Array:
        return pa.nulls(len(array), array.type)


class DropOperator(SuppressOperator):
    """Remove the column from a table; on a bare array there is no column, so all nulls."""

    name = "drop"
    removes_column = True

    @property
    def rule(self) -> str:
        return "drop"


class RedactOperator(MaskingOperator):
    """Find PII in free text with the detectors and mask each span: ``redact:kinds=mobile``."""

    name = "redact"

    def __init__(self, kinds: tuple[str, ...] | None = None) -> None:
        self.kinds = kinds

    @property
    def rule(self) -> str:
        return "redact" if self.kinds is None else "redact:kinds=" + ",".join(self.kinds)

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        from kaifang.privacy.analyzer import analyze  # the analyzer imports the detectors

        if not value:
            return value
        pieces: list[str] = []
        cursor = 0
        for finding in analyze(value, kinds=self.kinds):
            pieces.append(value[cursor : finding.start])
            pieces.append("*" * (finding.end - finding.start))
            cursor = finding.end
        pieces.append(value[cursor:])
        return "".join(pieces)

    def apply_array(self, array: pa.Array, key: bytes) -> pa.Array:
        return map_distinct(array, lambda value: self.apply_value(value, key))
