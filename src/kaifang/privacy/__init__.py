"""Privacy engine: PII detection, column grading suggestions, masking and fingerprints.

Pure Python over pyarrow, no database. Entry points:

- ``analyze(text)`` → ``Finding`` spans in free text (Presidio-compatible shape);
- ``classify_column`` / ``classify_table`` / ``scan_table`` → ``ColumnFinding`` per column,
  with a suggested grade, open attribute and masking rule;
- ``masking.parse_rule`` / ``apply_rule`` / ``apply_rules`` → masked values and tables;
- ``fingerprint.embed`` / ``detect`` → per-recipient fingerprints of extracts.
"""

from __future__ import annotations

from kaifang.privacy.analyzer import analyze, build_registry, default_registry
from kaifang.privacy.columns import (
    ColumnFinding,
    classify_column,
    classify_table,
    suggest_dataset_grade,
)
from kaifang.privacy.registry import KINDS, Detector, DetectorRegistry, Finding
from kaifang.privacy.scan import findings_to_json, scan_table

__all__ = [
    "KINDS",
    "ColumnFinding",
    "Detector",
    "DetectorRegistry",
    "Finding",
    "analyze",
    "build_registry",
    "classify_column",
    "classify_table",
    "default_registry",
    "findings_to_json",
    "scan_table",
    "suggest_dataset_grade",
]
