"""Column-level PII classification and grading suggestions.

A column is judged by its name (姓名, 身份证号, sfzh, mobile ...) and by the share of
sampled values that match a kind AND validate (checksum, allocated prefix, real date).
Values decide when they are clear; the name breaks ties (a USCC column and an ID column
are told apart by which checksum the values pass, then by the name) and keeps a column
flagged when its values are empty. Long free-text cells are scanned with the detectors.

Grades (GLOSSARY: L1 unconditional, L2/L3 conditional, L4 closed), by kind:

- ``resident_id``, ``passport``, ``travel_permit`` → L4: identity-document numbers are
  sensitive personal information (GB/T 35273 annex B); they identify a person outright.
- ``bank_card`` → L4: a financial account (PIPL art. 28), enables fraud.
- ``mobile``, ``email`` → L3: direct contact identifiers that single a person out.
- ``address`` (street level and below), ``coordinates`` (4+ decimals) → L3: they locate a
  home or a whereabouts; ``plate`` → L3: links to an owner and to vehicle movements.
- ``person_name`` → L2: a name alone is shared by many people; with other columns the
  dataset grade rises through those columns (就高从严).
- ``birth_date``, ``landline``, ``ip`` → L2: quasi-identifiers or mostly organisational.
- ``uscc`` → L1: legal-person registration data is public (企业信用信息公示).

Values already masked grade lower and the suggested rule is ``keep``: masked documents,
cards, mobiles and e-mails → L2 (the kept digits still narrow a person down), masked
names and anything else → L1. ``suggested_masking`` is the rule that makes the raw column fit
for a conditional release; the grade is that of the raw column.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kaifang.privacy import hints
from kaifang.privacy.analyzer import analyze
from kaifang.privacy.values import MASKED, MATCHED, STATUS_CHECKS, VALID, canonical

GRADES: dict[str, str] = {
    "resident_id": "L4",
    "passport": "L4",
    "travel_permit": "L4",
    "bank_card": "L4",
    "mobile": "L3",
    "email": "L3",
    "address": "L3",
    "coordinates": "L3",
    "plate": "L3",
    "person_name": "L2",
    "birth_date": "L2",
    "landline": "L2",
    "ip": "L2",
    "uscc": "L1",
}
MASKED_GRADES: dict[str, str] = {
    "resident_id": "L2",
    "bank_card": "L2",
    "passport": "L2",
    "travel_permit": "L2",
    "mobile": "L2",
    "email": "L2",
}
MASKINGS: dict[str, str] = {
    "resident_id": "pseudonym",
    "passport": "pseudonym",
    "travel_permit": "pseudonym",
    "bank_card": "mask:keep=6,4",
    "mobile": "mask:keep=3,4",
    "email": "mask:email",
    "address": "generalize:street",
    "coordinates": "generalize:grid=0.01",
    "plate": "mask:keep=2,1",
    "person_name": "mask:keep=1,0",
    "birth_date": "generalize:year",
    "landline": "mask:keep=4,2",
    "ip": "generalize:ip",
    "uscc": "keep",
}
OPEN_ATTRIBUTES = {"L1": "unconditional", "L2": "conditional", "L3": "conditional", "L4": "closed"}
# Kinds whose values look like ordinary data (any date, any decimal) unless the name says so.
_NEEDS_HINT = frozenset({"birth_date", "coordinates", "passport", "travel_permit"})
_FREE_TEXT_LENGTH = 12
_MIN_SHARE = 0.5
_SECONDARY_SHARE = 0.2


@dataclass(slots=True)
class ColumnFinding:
    """The verdict on one column: kind (or None), confidence and what to do about it."""

    column: str
    kind: str | None
    confidence: float
    evidence: dict[str, Any] = field(default_factory=dict)
    suggested_grade: str = "L1"
    suggested_open_attribute: str = "unconditional"
    suggested_masking: str = "keep"


def classify_column(
    name: str, values: Iterable[str | None], *, sample_size: int = 1000
) -> ColumnFinding:
    """Classify one column from its name and up to ``sample_size`` non-empty values."""
    cells = _sample(values, sample_size)
    hint = hints.kinds_for(name)
    if _is_free_text(cells):
        return _classify_free_text(name, cells, hint)
    counts = {kind: _count(kind, cells) for kind in _candidate_kinds(hint, name)}
    scores = {kind: _score(kind, counts[kind], len(cells), hint) for kind in counts}
    best = max(scores, key=lambda kind: (scores[kind], kind in hint), default=None)
    if best is None or scores[best] < _MIN_SHARE:
        if hint:
            return _hint_only(name, hint[0], counts.get(hint[0], Counter()), len(cells))
        return _no_pii(name, len(cells))
    return _finding(name, best, counts, scores, len(cells), hint, cells)


def classify_table(columns: dict[str, Sequence[Any]]) -> list[ColumnFinding]:
    """Classify every column of a {name: values} mapping, in order."""
    return [
        classify_column(name, (None if v is None else str(v) for v in values))
        for name, values in columns.items()
    ]


def suggest_dataset_grade(findings: Iterable[ColumnFinding]) -> str:
    """Return the highest suggested grade (就高从严); L1 for no findings."""
    return max((finding.suggested_grade for finding in findings), default="L1")


def _sample(values: Iterable[str | None], size: int) -> list[str]:
    cells: list[str] = []
    for value in values:
        if value is None:
            continue
        text = canonical(str(value))
        if text:
            cells.append(text)
            if len(cells) >= size:
                break
    return cells


# Chinese sentence punctuation, or ASCII punctuation followed by a space ("28.6,121.4" is a value).
_SENTENCE_MARKS = re.compile(r"[，。；！？\n]|[,;!?] ")


def _is_free_text(cells: list[str]) -> bool:
    """Return whether cells read as sentences (scanned with the detectors) rather than values."""
    if not cells or sum(map(len, cells)) / len(cells) < _FREE_TEXT_LENGTH:
        return False
    with_marks = sum(1 for cell in cells if _SENTENCE_MARKS.search(cell))
    return with_marks >= 0.3 * len(cells)


def _candidate_kinds(hint: tuple[str, ...], name: str) -> list[str]:
    """Return the kinds worth checking: all but hint-only kinds the name does not suggest."""
    kinds = [kind for kind in STATUS_CHECKS if kind not in _NEEDS_HINT or kind in hint]
    if hints.is_not_person(name):
        kinds.remove("person_name")  # 企业名称 values are short CJK strings too
    return kinds


def _count(kind: str, cells: list[str]) -> Counter[str]:
    check = STATUS_CHECKS[kind]
    return Counter(check(cell) for cell in cells)


def _score(kind: str, counts: Counter[str], total: int, hint: tuple[str, ...]) -> float:
    """Return how strongly the values (and the name) point at ``kind``, 0-1."""
    if not total:
        return 0.0
    share = max(counts[VALID], counts[MASKED]) / total
    if kind in hint:
        return 0.6 + 0.39 * share if share >= 0.2 else share
    return 0.5 + 0.45 * share if share >= 0.6 else share * 0.8


def _finding(
    name: str,
    kind: str,
    counts: dict[str, Counter[str]],
    scores: dict[str, float],
    total: int,
    hint: tuple[str, ...],
    cells: list[str],
) -> ColumnFinding:
    """Build the finding for the winning kind, grading masked columns lower."""
    own = counts[kind]
    masked = own[MASKED] > own[VALID]
    status = MASKED if masked else VALID
    others = {
        other: counts[other][VALID]
        for other in counts
        if other != kind and counts[other][VALID] >= max(2, _SECONDARY_SHARE * total)
    }
    grade = MASKED_GRADES.get(kind, "L1") if masked else GRADES[kind]
    grade = max([grade, *(GRADES[other] for other in others)])
    evidence: dict[str, Any] = {
        "checked": total,
        "matched": own[VALID] + own[MATCHED] + own[MASKED],
        "valid": own[VALID],
        "masked": own[MASKED],
        "name_hint": hint[0] if hint else None,
        "examples": _examples(kind, cells, status),
    }
    if others:
        evidence["other_kinds"] = others
    return ColumnFinding(
        column=name,
        kind=kind,
        confidence=round(min(scores[kind], 0.99), 2),
        evidence=evidence,
        suggested_grade=grade,
        suggested_open_attribute=OPEN_ATTRIBUTES[grade],
        suggested_masking="keep" if masked else MASKINGS[kind],
    )


def _hint_only(name: str, kind: str, counts: Counter[str], total: int) -> ColumnFinding:
    """Flag a column by its name alone: low confidence, but graded as the name says."""
    confidence = 0.5 if total == 0 else 0.35
    grade = GRADES[kind]
    return ColumnFinding(
        column=name,
        kind=kind,
        confidence=confidence,
        evidence={
            "checked": total,
            "matched": counts[VALID] + counts[MATCHED] + counts[MASKED],
            "valid": counts[VALID],
            "masked": counts[MASKED],
            "name_hint": kind,
            "examples": [],
        },
        suggested_grade=grade,
        suggested_open_attribute=OPEN_ATTRIBUTES[grade],
        suggested_masking=MASKINGS[kind],
    )


def _no_pii(name: str, total: int) -> ColumnFinding:
    confidence = 0.9 if total >= 20 else (0.6 if total else 0.3)
    evidence: dict[str, Any] = {
        "checked": total,
        "matched": 0,
        "valid": 0,
        "masked": 0,
        "name_hint": None,
        "examples": [],
    }
    return ColumnFinding(column=name, kind=None, confidence=confidence, evidence=evidence)


def _classify_free_text(name: str, cells: list[str], hint: tuple[str, ...]) -> ColumnFinding:
    """Scan long cells with the detectors; any kind found in 2+ cells flags the column."""
    sample = cells[:200]
    rows_with: Counter[str] = Counter()
    examples: list[str] = []
    flagged = 0
    for cell in sample:
        kinds = {finding.type for finding in analyze(cell)}
        rows_with.update(kinds)
        flagged += bool(kinds)
        if kinds and len(examples) < 3:
            examples.append(mask_for_display(cell))
    found = {kind: n for kind, n in rows_with.items() if n >= 2 or n >= 0.05 * len(sample)}
    if not found:
        if hint:
            return _hint_only(name, hint[0], Counter(), len(sample))
        return _no_pii(name, len(sample))
    kind = max(found, key=lambda k: (GRADES[k], found[k]))
    grade = max(GRADES[k] for k in found)
    evidence = {
        "checked": len(sample),
        "matched": flagged,
        "valid": found[kind],
        "masked": 0,
        "name_hint": hint[0] if hint else None,
        "examples": examples,
        "free_text": True,
        "rows_with_kind": found,
    }
    confidence = round(min(0.99, 0.5 + 0.49 * max(found.values()) / len(sample)), 2)
    return ColumnFinding(name, kind, confidence, evidence, grade, OPEN_ATTRIBUTES[grade], "redact")


_KEEP_VISIBLE = re.compile(r"[\s\-:：]")


def mask_for_display(value: str) -> str:
    """Return ``value`` with most characters replaced by ``*`` (for evidence, never raw)."""
    if len(value) <= 1:
        return "*"
    first = max(1, min(4, len(value) // 4))
    last = min(2, len(value) // 6)
    middle = "".join(c if _KEEP_VISIBLE.match(c) else "*" for c in value[first : len(value) - last])
    return value[:first] + middle + value[len(value) - last :]


def _examples(kind: str, cells: list[str], status: str) -> list[str]:
    check = STATUS_CHECKS[kind]
    picked = [cell for cell in cells[:200] if check(cell) == status][:3]
    return [mask_for_display(cell) for cell in picked]
