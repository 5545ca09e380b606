"""Default vocabularies (seeded from the glossary; editable data afterwards)."""

from __future__ import annotations

from pypinyin import lazy_pinyin
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.catalog.models import VocabularyTerm
from kaifang.errors import InvalidInput

# Key domains of recent city plans first, then the older priority list; duplicates removed.
DEFAULT_DOMAINS = (
    "疫情防控",
    "卫生健康",
    "交通出行",
    "教育文旅",
    "信用服务",
    "普惠金融",
    "市场监管",
    "社保就业",
    "城建住房",
    "交通运输",
    "地理空间",
    "文化旅游",
    "生态环境",
    "气象服务",
    "医疗卫生",
    "财税金融",
    "社会救助",
    "商贸流通",
    "工业农业",
    "教育科技",
    "信用",
    "医疗",
    "卫生",
    "就业",
    "人力社保",
    "地理",
    "文化",
    "教育",
    "科技",
    "国土资源",
    "农业",
    "扶贫",
    "环境",
    "安监",
    "金融",
    "质量",
    "统计",
    "气象",
    "海洋与渔业",
    "企业登记",
    "档案",
    "机构团体",
    "公共安全",
    "城市管理",
)
UPDATE_FREQUENCIES = (
    ("realtime", "实时", "Real time", 0),
    ("daily", "每日", "Daily", 1),
    ("weekly", "每周", "Weekly", 7),
    ("monthly", "每月", "Monthly", 31),
    ("quarterly", "每季度", "Quarterly", 92),
    ("semiannual", "每半年", "Semi-annual", 183),
    ("yearly", "每年", "Yearly", 366),
    ("irregular", "不定期", "Irregular", 0),
    ("static", "不更新", "Static", 0),
)
BASE_CLASSES = (
    ("population", "人口", "Population"),
    ("legal_person", "法人", "Legal persons"),
    ("natural_resources", "自然资源和空间地理", "Natural resources and geography"),
    ("social_credit", "社会信用", "Social credit"),
    ("e_licence", "电子证照", "E-licences"),
    ("macro_economy", "宏观经济", "Macro economy"),
    ("thematic", "主题信息资源", "Thematic"),
)
LICENCES = (
    ("open-agreement", "公共数据开放利用协议", "Public data open-use agreement"),
    ("conditional-agreement", "受限开放数据使用协议", "Conditional data-use agreement"),
    ("cc-by-4.0", "知识共享署名 4.0", "CC BY 4.0"),
)
FORMATS = ("CSV", "XLSX", "XLS", "JSON", "XML", "GeoJSON", "SHP", "Parquet", "API", "PDF")
MACHINE_READABLE = {"CSV", "XLSX", "XLS", "JSON", "XML", "GeoJSON", "SHP", "Parquet", "API"}


def domain_code(label: str) -> str:
    return "-".join(lazy_pinyin(label)).lower()


def _defaults() -> list[VocabularyTerm]:
    terms = [
        VocabularyTerm(kind="domain", code=domain_code(d), label_zh=d, number=i + 1)
        for i, d in enumerate(DEFAULT_DOMAINS)
    ]
    terms += [
        VocabularyTerm(
            kind="update_frequency",
            code=c,
            label_zh=zh,
            label_en=en,
            number=i + 1,
            extra={"max_days": days},
        )
        for i, (c, zh, en, days) in enumerate(UPDATE_FREQUENCIES)
    ]
    terms += [
        VocabularyTerm(kind="base_class", code=c, label_zh=zh, label_en=en, number=i + 1)
        for i, (c, zh, en) in enumerate(BASE_CLASSES)
    ]
    terms += [
        VocabularyTerm(kind="licence", code=c, label_zh=zh, label_en=en, number=i + 1)
        for i, (c, zh, en) in enumerate(LICENCES)
    ]
    terms += [
        VocabularyTerm(
            kind="format",
            code=f,
            label_zh=f,
            label_en=f,
            number=i + 1,
            extra={"machine_readable": f in MACHINE_READABLE},
        )
        for i, f in enumerate(FORMATS)
    ]
    return terms


def seed_vocabularies(session: Session) -> int:
    """Insert the defaults that are missing; edited terms are left alone."""
    existing = {
        (k, c) for k, c in session.execute(select(VocabularyTerm.kind, VocabularyTerm.code))
    }
    added = [t for t in _defaults() if (t.kind, t.code) not in existing]
    session.add_all(added)
    session.flush()
    return len(added)


def terms(session: Session, kind: str, *, active_only: bool = True) -> list[VocabularyTerm]:
    stmt = select(VocabularyTerm).where(VocabularyTerm.kind == kind).order_by(VocabularyTerm.number)
    if active_only:
        stmt = stmt.where(VocabularyTerm.active.is_(True))
    return list(session.scalars(stmt).all())


class VocabularyIndex:
    """Resolves codes and Chinese/English labels of each vocabulary, for validation and import."""

    def __init__(self, session: Session) -> None:
        self.by_kind: dict[str, dict[str, VocabularyTerm]] = {}
        for term in session.scalars(select(VocabularyTerm).where(VocabularyTerm.active.is_(True))):
            table = self.by_kind.setdefault(term.kind, {})
            for key in (term.code, term.label_zh, term.label_en):
                if key:
                    table[key.strip().lower()] = term

    def resolve(self, kind: str, value: str, *, field: str) -> str:
        """The code for a code or label; InvalidInput naming the field when unknown."""
        term = self.by_kind.get(kind, {}).get(value.strip().lower())
        if term is None:
            raise InvalidInput(
                f"{field} '{value}' 不在词表中 (not in the vocabulary)",
                details={"field": field, "value": value},
            )
        return term.code

    def label(self, kind: str, code: str, locale: str = "zh_CN") -> str:
        term = self.by_kind.get(kind, {}).get(code.lower())
        if term is None:
            return code
        return term.label_zh if locale == "zh_CN" or not term.label_en else term.label_en

    def number(self, kind: str, code: str) -> int:
        term = self.by_kind.get(kind, {}).get(code.lower())
        return term.number if term else 0
