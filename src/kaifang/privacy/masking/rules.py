"""Rule strings: ``name[:param[;param]...]``, each param ``key=value`` or a bare word.

Grammar (every mistake raises ``InvalidInput`` naming the rule and what is allowed)::

    keep | suppress | drop
    mask[:keep=FIRST,LAST][;char=C]        mask:keep=3,4   mask:keep=6,4;char=#
    mask:email                             z***@example.com
    pseudonym[:alg=sha256|sm3][;len=8..64]
    substitute[:kind=resident_id|mobile|bank_card|uscc]
    generalize:year | generalize:month
    generalize:age[=WIDTH]                 generalize:age=5
    generalize:province|city|district|street
    generalize:grid[=SIZE]                 generalize:grid=0.001
    generalize:ip[=PREFIX]                 generalize:ip=16
    redact[:kinds=KIND,KIND...]
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from kaifang.errors import InvalidInput
from kaifang.privacy.masking.base import ALGORITHMS, MaskingOperator
from kaifang.privacy.masking.generalize import (
    ADDRESS_LEVELS,
    AddressGeneralizer,
    AgeBandGeneralizer,
    DateGeneralizer,
    GridGeneralizer,
    IPGeneralizer,
)
from kaifang.privacy.masking.operators import (
    SUBSTITUTE_KINDS,
    DropOperator,
    EmailMaskOperator,
    KeepOperator,
    MaskOperator,
    PseudonymOperator,
    RedactOperator,
    SubstituteOperator,
    SuppressOperator,
)
from kaifang.privacy.registry import KINDS

Params = dict[str, str | None]


class _RuleError(InvalidInput):
    def __init__(self, rule: str, problem: str) -> None:
        super().__init__(f"invalid masking rule {rule!r}: {problem}", details={"rule": rule})


def _split(rule: str) -> tuple[str, Params]:
    """Split a rule into its name and ordered params (bare words map to None)."""
    name, _, rest = rule.strip().partition(":")
    params: Params = {}
    for part in filter(None, (piece.strip() for piece in rest.split(";"))):
        key, sep, value = part.partition("=")
        if key.strip() in params:
            raise _RuleError(rule, f"parameter {key.strip()!r} given twice")
        params[key.strip()] = value.strip() if sep else None
    return name.strip().lower(), params


def _allow(rule: str, params: Params, allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        listed = ", ".join(sorted(allowed)) or "none"
        raise _RuleError(rule, f"unknown parameter(s) {', '.join(unknown)}; allowed: {listed}")


def _integer(rule: str, text: str | None, label: str, low: int, high: int) -> int:
    try:
        number = int(text or "")
    except ValueError:
        raise _RuleError(rule, f"{label} must be a whole number") from None
    if not low <= number <= high:
        raise _RuleError(rule, f"{label} must be between {low} and {high}")
    return number


def _simple(operator: type[MaskingOperator]) -> Callable[[str, Params], MaskingOperator]:
    def build(rule: str, params: Params) -> MaskingOperator:
        _allow(rule, params, set())
        return operator()

    return build


def _mask(rule: str, params: Params) -> MaskingOperator:
    if "email" in params:
        _allow(rule, params, {"email"})
        return EmailMaskOperator()
    _allow(rule, params, {"keep", "char"})
    first, last = 3, 4
    if "keep" in params:
        parts = (params["keep"] or "").split(",")
        if len(parts) != 2:
            raise _RuleError(rule, "keep takes two numbers: keep=FIRST,LAST")
        first = _integer(rule, parts[0], "keep FIRST", 0, 64)
        last = _integer(rule, parts[1], "keep LAST", 0, 64)
    char = params.get("char") or "*"
    if len(char) != 1:
        raise _RuleError(rule, "char must be a single character")
    return MaskOperator(first, last, char)


def _pseudonym(rule: str, params: Params) -> MaskingOperator:
    _allow(rule, params, {"alg", "len"})
    algorithm = (params.get("alg") or "sha256").lower()
    if algorithm not in ALGORITHMS:
        raise _RuleError(rule, f"alg must be one of {', '.join(ALGORITHMS)}")
    length = _integer(rule, params.get("len") or "24", "len", 8, 64)
    return PseudonymOperator(algorithm, length)


def _substitute(rule: str, params: Params) -> MaskingOperator:
    _allow(rule, params, {"kind"})
    kind = params.get("kind")
    if "kind" in params and kind not in SUBSTITUTE_KINDS:
        raise _RuleError(rule, f"kind must be one of {', '.join(SUBSTITUTE_KINDS)}")
    return SubstituteOperator(kind)


def _generalize(rule: str, params: Params) -> MaskingOperator:
    if len(params) != 1:
        raise _RuleError(
            rule, "name exactly one level: year, month, age, grid, ip or an address level"
        )
    level, value = next(iter(params.items()))
    if level in ("year", "month") and value is None:
        return DateGeneralizer(level)
    if level in ADDRESS_LEVELS and value is None:
        return AddressGeneralizer(level)
    if level == "age":
        return AgeBandGeneralizer(_integer(rule, value or "10", "age band width", 1, 50))
    if level == "ip":
        return IPGeneralizer(_integer(rule, value or "24", "ip prefix", 8, 32))
    if level == "grid":
        return GridGeneralizer(_grid_size(rule, value or "0.01"))
    allowed = "year, month, age[=W], grid[=SIZE], ip[=PREFIX], " + ", ".join(ADDRESS_LEVELS)
    raise _RuleError(rule, f"unknown level {level!r}; allowed: {allowed}")


def _grid_size(rule: str, text: str) -> Decimal:
    try:
        size = Decimal(text)
    except InvalidOperation:
        raise _RuleError(rule, "grid size must be a decimal number such as 0.01") from None
    if not Decimal("0.00001") <= size <= Decimal(10):
        raise _RuleError(rule, "grid size must be between 0.00001 and 10 degrees")
    return size


def _redact(rule: str, params: Params) -> MaskingOperator:
    _allow(rule, params, {"kinds"})
    if "kinds" not in params:
        return RedactOperator()
    kinds = tuple(filter(None, (params["kinds"] or "").split(",")))
    unknown = [kind for kind in kinds if kind not in KINDS]
    if not kinds or unknown:
        raise _RuleError(rule, f"kinds must be a comma list of: {', '.join(KINDS)}")
    return RedactOperator(kinds)


_BUILDERS: dict[str, Callable[[str, Params], MaskingOperator]] = {
    "keep": _simple(KeepOperator),
    "suppress": _simple(SuppressOperator),
    "drop": _simple(DropOperator),
    "mask": _mask,
    "pseudonym": _pseudonym,
    "substitute": _substitute,
    "generalize": _generalize,
    "redact": _redact,
}


def parse_rule(rule: str) -> MaskingOperator:
    """Return the operator a rule string names; InvalidInput with the reason if it is wrong."""
    if not isinstance(rule, str) or not rule.strip():
        raise InvalidInput("a masking rule must be a non-empty string")
    name, params = _split(rule)
    builder = _BUILDERS.get(name)
    if builder is None:
        raise _RuleError(rule, f"unknown operator {name!r}; use one of {', '.join(_BUILDERS)}")
    return builder(rule, params)
