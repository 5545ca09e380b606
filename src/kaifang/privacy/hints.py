"""Column-name hints: which PII kinds a column's name suggests (Chinese, English, pinyin).

Names are compared after lower-casing and removing spaces, underscores and hyphens.
Specific hints are checked before general ones, so 申请人身份证号 is an ID, 联系人电话 a
phone, IP地址 an IP and 企业名称 no person. Short pinyin initials used in government
databases (sfzh 身份证号, xm 姓名, lxdh 联系电话 ...) must match the whole name.
"""

from __future__ import annotations

import re

_PHONE = ("mobile", "landline")
_DOCUMENT = ("resident_id", "passport", "travel_permit")

# (substrings, kinds), most specific first; the first entry with a hit wins.
_CONTAINS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("统一社会信用代码", "社会信用代码", "信用代码", "纳税人识别号", "uscc", "creditcode"),
        ("uscc",),
    ),
    (
        ("身份证", "公民身份号码", "身份号码", "idcard", "identitycard", "idnumber", "nationalid"),
        ("resident_id",),
    ),
    (("证件号", "证件编号", "certno", "certificateno", "documentno"), _DOCUMENT),
    (("护照", "passport"), ("passport",)),
    (("通行证", "回乡证", "台胞证"), ("travel_permit",)),
    (
        (
            "银行卡",
            "卡号",
            "银行账号",
            "银行帐号",
            "开户账号",
            "bankcard",
            "cardno",
            "cardnumber",
            "bankaccount",
        ),
        ("bank_card",),
    ),
    (("车牌", "号牌", "牌照", "licenseplate", "plateno", "platenumber"), ("plate",)),
    (("邮箱", "电子邮件", "email", "mail"), ("email",)),
    (("ip地址", "ipaddress", "ipaddr", "clientip", "登录ip", "sourceip"), ("ip",)),
    (("经纬度", "经度", "纬度", "坐标", "longitude", "latitude", "gps"), ("coordinates",)),
    (
        (
            "出生地",
            "籍贯",
            "户籍地",
            "住址",
            "地址",
            "住所",
            "居住地",
            "address",
            "addr",
            "domicile",
        ),
        ("address",),
    ),
    (("出生日期", "出生年月", "生日", "birthdate", "dateofbirth", "birthday"), ("birth_date",)),
    (("手机", "移动电话", "mobile", "cellphone"), ("mobile",)),
    (("座机", "固定电话", "固话", "传真", "landline", "fax"), ("landline",)),
    (("电话", "联系方式", "phone", "telephone"), _PHONE),
    (
        (
            "姓名",
            "联系人",
            "申请人",
            "法定代表人",
            "法人代表",
            "负责人",
            "经办人",
            "户主",
            "收件人",
            "患者",
            "当事人",
            "持卡人",
            "开户名",
            "户名",
            "驾驶员",
            "业主",
            "personname",
            "fullname",
            "realname",
            "contactname",
        ),
        ("person_name",),
    ),
)

# Whole-name matches: pinyin initials and short English names.
_EXACT: dict[str, tuple[str, ...]] = {
    "sfz": ("resident_id",),
    "sfzh": ("resident_id",),
    "sfzhm": ("resident_id",),
    "gmsfhm": ("resident_id",),
    "zjhm": _DOCUMENT,
    "zjh": _DOCUMENT,
    "xm": ("person_name",),
    "name": ("person_name",),
    "lxr": ("person_name",),
    "lxdh": _PHONE,
    "dh": _PHONE,
    "tel": _PHONE,
    "sjh": ("mobile",),
    "sjhm": ("mobile",),
    "dz": ("address",),
    "zz": ("address",),
    "jtzz": ("address",),
    "hjdz": ("address",),
    "yhkh": ("bank_card",),
    "khzh": ("bank_card",),
    "tyshxydm": ("uscc",),
    "xydm": ("uscc",),
    "cph": ("plate",),
    "hphm": ("plate",),
    "yx": ("email",),
    "dzyx": ("email",),
    "csrq": ("birth_date",),
    "dob": ("birth_date",),
    "ip": ("ip",),
    "lat": ("coordinates",),
    "lng": ("coordinates",),
    "lon": ("coordinates",),
    "jd": ("coordinates",),
    "wd": ("coordinates",),
    "hzhm": ("passport",),
}
_NOT_PERSON = (
    "名称",
    "名录",
    "公司",
    "单位",
    "机构",
    "企业",
    "组织",
    "项目",
    "产品",
    "company",
    "org",
)
_STRIP = re.compile(r"[\s_\-.()（）]")


def normalize_name(name: str) -> str:
    """Return a column name lower-cased without spaces, underscores, hyphens or brackets."""
    return _STRIP.sub("", name).lower()


def kinds_for(name: str) -> tuple[str, ...]:
    """Return the kinds a column name suggests, most likely first; () for none."""
    key = normalize_name(name)
    if not key:
        return ()
    if key in _EXACT:
        return _EXACT[key]
    for words, kinds in _CONTAINS:
        if any(word in key for word in words):
            if kinds == ("person_name",) and is_not_person(name):
                return ()
            return kinds
    return ()


def is_not_person(name: str) -> bool:
    """Return whether a column name says its values are not persons (企业名称, 单位)."""
    key = normalize_name(name)
    return any(word in key for word in _NOT_PERSON)
