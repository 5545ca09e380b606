"""Catalogue rules: open attributes allowed per grade, 就高从严, catalogue codes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from kaifang.errors import InvalidInput

# Default mapping after DB33/T 2350-2021 (see GLOSSARY): the most open attribute a grade allows.
ALLOWED_OPEN_ATTRIBUTES = {
    "L1": {"unconditional", "conditional", "closed"},
    "L2": {"conditional", "closed"},
    "L3": {"conditional", "closed"},
    "L4": {"closed"},
}
DEFAULT_OPEN_ATTRIBUTE = {
    "L1": "unconditional",
    "L2": "conditional",
    "L3": "conditional",
    "L4": "closed",
}
OPEN_ATTRIBUTE_LABELS = {
    "unconditional": "无条件开放",
    "conditional": "有条件开放",
    "closed": "不予开放",
}
GRADE_LABELS = {"L1": "L1 不敏感", "L2": "L2 低敏感", "L3": "L3 较敏感", "L4": "L4 敏感"}


def check_item_attribute(*, label: str, grade: str, open_attribute: str) -> None:
    """Reject an item whose open attribute its grade does not allow, naming the item."""
    if grade not in ALLOWED_OPEN_ATTRIBUTES:
        raise InvalidInput(
            f"数据项「{label}」分级 '{grade}' 无效 (invalid grade)",
            details={"item": label, "field": "grade"},
        )
    if open_attribute not in ALLOWED_OPEN_ATTRIBUTES[grade]:
        raise InvalidInput(
            f"数据项「{label}」分级 {grade} 不允许 {OPEN_ATTRIBUTE_LABELS.get(open_attribute, open_attribute)}"
            f" (grade {grade} does not allow open attribute '{open_attribute}')",
            details={"item": label, "field": "open_attribute"},
        )


def highest_grade(grades: Iterable[str], default: str = "L1") -> str:
    """就高从严: a dataset is as sensitive as its most sensitive item."""
    return max(grades, default=default)


class CatalogCodeTemplate:
    """Builds and validates catalogue codes from a template with {region} {klass} {org} {seq}.

    The default ``{region}-{klass}-{seq:05d}`` follows 政务信息资源目录编制指南: a 6-digit
    provider region, a classification part (类 1 letter + 项 2 digits + 目 3 digits: the
    provider organization) and a sequence part.
    """

    FIELD_PATTERNS: ClassVar[dict[str, str]] = {
        "region": r"\d{6}",
        "klass": r"[A-Z]\d{5}",
        "org": r"\d{3,6}",
        "seq": r"\d{%d}",
    }

    def __init__(self, template: str) -> None:
        self.template = template
        self.regex = re.compile("^" + self._pattern(template) + "$")

    def _pattern(self, template: str) -> str:
        out, pos = [], 0
        for m in re.finditer(r"\{(\w+)(?::0?(\d+)d)?\}", template):
            out.append(re.escape(template[pos : m.start()]))
            name, width = m.group(1), m.group(2)
            if name not in self.FIELD_PATTERNS:
                raise ValueError(f"unknown catalogue-code field {name!r}")
            pat = self.FIELD_PATTERNS[name]
            out.append(pat % int(width or 5) if name == "seq" else pat)
            pos = m.end()
        out.append(re.escape(template[pos:]))
        return "".join(out)

    def prefix(self, *, region: str, klass: str, org: int) -> str:
        """The code without its sequence part (the sequence counter's key)."""
        return self.template.split("{seq")[0].format(
            region=region.ljust(6, "0")[:6], klass=klass, org=f"{org:03d}"
        )

    def build(self, *, region: str, klass: str, org: int, seq: int) -> str:
        return self.template.format(
            region=region.ljust(6, "0")[:6], klass=klass, org=f"{org:03d}", seq=seq
        )

    def is_valid(self, code: str) -> bool:
        return bool(self.regex.match(code))


def classification(base_class_number: int, domain_number: int, org_id: int) -> str:
    """类 (base-catalogue letter, G for thematic) + 项 (domain, 2 digits) + 目 (org, 3 digits)."""
    letter = "ABCDEFG"[min(max(base_class_number, 1), 7) - 1] if base_class_number else "G"
    return f"{letter}{domain_number % 100:02d}{org_id % 1000:03d}"
