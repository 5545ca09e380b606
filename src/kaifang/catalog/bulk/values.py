"""Cell values as portals write them, turned into the catalogue's codes and types."""

from __future__ import annotations

import datetime as dt
import re

from kaifang.catalog.rules import DEFAULT_OPEN_ATTRIBUTE


class CellError(ValueError):
    """A cell that cannot be read; carries the Chinese and English halves of the message."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} ({en})")
        self.zh = zh
        self.en = en


def not_in_vocabulary(value: str) -> CellError:
    return CellError(f"'{value}' 不在词表中", f"'{value}' is not in the vocabulary")


# Labels seen on portals and in local rules (shared reference §2, §4). Bare 有条件/无条件 are
# deliberately absent: they also name sharing (共享) conditions, so the full label is required.
# Numeric codes are absent too: portals disagree on whether 1 means 无条件 or 有条件.
OPEN_ATTRIBUTE_VALUES = {
    "unconditional": "unconditional",
    "无条件开放": "unconditional",
    "完全开放": "unconditional",
    "登录开放": "unconditional",
    "unconditionally open": "unconditional",
    "open": "unconditional",
    "conditional": "conditional",
    "有条件开放": "conditional",
    "受限开放": "conditional",
    "依申请开放": "conditional",
    "申请开放": "conditional",
    "conditionally open": "conditional",
    "restricted": "conditional",
    "closed": "closed",
    "不予开放": "closed",
    "不开放": "closed",
    "禁止开放": "closed",
    "not open": "closed",
}
GRADE_VALUES = {
    "l1": "L1",
    "l2": "L2",
    "l3": "L3",
    "l4": "L4",
    "1": "L1",
    "2": "L2",
    "3": "L3",
    "4": "L4",
    "1级": "L1",
    "2级": "L2",
    "3级": "L3",
    "4级": "L4",
    "一级": "L1",
    "二级": "L2",
    "三级": "L3",
    "四级": "L4",
    "不敏感": "L1",
    "低敏感": "L2",
    "较敏感": "L3",
    "敏感": "L4",
}
DATA_TYPE_VALUES = {
    "text": "text",
    "字符型": "text",
    "字符": "text",
    "字符串": "text",
    "文本": "text",
    "string": "text",
    "varchar": "text",
    "char": "text",
    "integer": "integer",
    "整数型": "integer",
    "整数": "integer",
    "整型": "integer",
    "int": "integer",
    "bigint": "integer",
    "decimal": "decimal",
    "数值型": "decimal",
    "数值": "decimal",
    "数字": "decimal",
    "小数": "decimal",
    "浮点型": "decimal",
    "number": "decimal",
    "numeric": "decimal",
    "float": "decimal",
    "double": "decimal",
    "boolean": "boolean",
    "布尔型": "boolean",
    "布尔": "boolean",
    "是否": "boolean",
    "bool": "boolean",
    "date": "date",
    "日期型": "date",
    "日期": "date",
    "datetime": "datetime",
    "日期时间型": "datetime",
    "日期时间": "datetime",
    "时间": "datetime",
    "timestamp": "datetime",
    "geometry": "geometry",
    "空间型": "geometry",
    "空间": "geometry",
    "几何": "geometry",
}
DATA_TYPE_LABELS = {
    "text": "字符型",
    "integer": "整数型",
    "decimal": "数值型",
    "boolean": "布尔型",
    "date": "日期型",
    "datetime": "日期时间型",
    "geometry": "空间型",
}
_SPACES = re.compile(r"\s+")
_LIST_SEPARATORS = re.compile(r"[、;；,，\n]")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# CSV export prefixes these with an apostrophe so spreadsheet programs do not run them.
FORMULA_LEADS = ("=", "+", "-", "@")


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without '.0', dates in ISO form, booleans as 是/否."""
    if type(value) is str:
        text = value.strip()
        if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_LEADS:
            return text[1:]
        return text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _key(value: str) -> str:
    return _SPACES.sub("", value).lower()


def parse_open_attribute(value: str) -> str:
    """The open-attribute code for a portal label or code; CellError when unknown."""
    code = OPEN_ATTRIBUTE_VALUES.get(_key(value)) or OPEN_ATTRIBUTE_VALUES.get(value.lower())
    if code is None:
        raise not_in_vocabulary(value)
    return code


def parse_grade(value: str) -> str:
    """L1-L4 from 'L2', '2级', '二级', '低敏感' or 'L2 低敏感'; CellError when unknown."""
    key = _key(value)
    grade = GRADE_VALUES.get(key)
    if grade is None and re.match(r"^l[1-4]", key):
        grade = GRADE_VALUES[key[:2]]
    if grade is None:
        raise not_in_vocabulary(value)
    return grade


def parse_data_type(value: str) -> str:
    """The item data type for a Chinese label, a code or a common database type name."""
    key = re.sub(r"\(.*\)$", "", _key(value))
    data_type = DATA_TYPE_VALUES.get(key)
    if data_type is None:
        raise not_in_vocabulary(value)
    return data_type


def split_list(value: str) -> list[str]:
    """Several values in one cell, separated by 、 ; , (either width) or line breaks."""
    return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]


def parse_date(value: str) -> dt.date:
    """A date from ISO, 2020/1/2, 2020.1.2, 2020年1月2日 or 20200102; CellError otherwise."""
    text = value.strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise CellError(
            f"'{value}' 不是有效日期（如 2020-01-01）",
            f"'{value}' is not a valid date (e.g. 2020-01-01)",
        ) from None


def parse_int(value: str) -> int:
    """A whole number; CellError for anything else."""
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number.is_integer():
        raise CellError(f"'{value}' 不是整数", f"'{value}' is not a whole number")
    return int(number)


def default_open_attribute(grade: str | None) -> str:
    """The open attribute an item gets when only its grade is given."""
    return DEFAULT_OPEN_ATTRIBUTE.get(grade or "L1", "unconditional")
