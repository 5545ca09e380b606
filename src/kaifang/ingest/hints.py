"""Column-name hints: identifiers that must stay text, and names that suggest dates."""

from __future__ import annotations

import re

IDENTIFIER_WORDS_ZH = (
    "编码",
    "代码",
    "编号",
    "号码",
    "证件",
    "证号",
    "身份证",
    "电话",
    "手机",
    "邮编",
    "邮政编码",
    "账号",
    "帐号",
    "卡号",
    "工号",
    "学号",
    "车牌",
    "文号",
    "识别号",
    "标识码",
    "序列号",
    "区划",
)
IDENTIFIER_WORDS_EN = frozenset(
    {
        "id",
        "ids",
        "uuid",
        "guid",
        "code",
        "codes",
        "no",
        "tel",
        "phone",
        "mobile",
        "zip",
        "zipcode",
        "postcode",
        "postal",
        "sn",
        "ssn",
        "account",
        "iban",
        "isbn",
    }
)
DATE_WORDS_ZH = ("日期", "时间", "年月日", "生日", "出生")
DATE_WORDS_EN = frozenset({"date", "time", "day", "dt", "birthday", "dob", "ymd"})
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def name_tokens(name: str) -> set[str]:
    """Lower-case English words of a column name (``userId`` and ``user_id`` give user, id)."""
    return {w.lower() for w in _WORDS.findall(name)}


def is_identifier_name(name: str) -> bool:
    """True for names like 统一社会信用代码, 联系电话, 邮编, user_id, zipCode."""
    return any(w in name for w in IDENTIFIER_WORDS_ZH) or bool(
        name_tokens(name) & IDENTIFIER_WORDS_EN
    )


def is_date_name(name: str) -> bool:
    """True for names like 成立日期, 出生年月日, report_date, dt."""
    return any(w in name for w in DATE_WORDS_ZH) or bool(name_tokens(name) & DATE_WORDS_EN)
