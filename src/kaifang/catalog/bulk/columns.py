"""The template's columns and the header labels real portals use for each of them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kaifang.errors import InvalidInput

DATASETS_SHEET = "数据集"
ITEMS_SHEET = "数据项"
HEADER_SCAN_ROWS = 10


@dataclass(frozen=True)
class Column:
    """One template column: its key in the catalogue, its labels and the variants accepted."""

    key: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    note: str = ""
    required: bool = False

    def labels(self) -> tuple[str, ...]:
        return (self.zh, self.en, self.key, *self.aliases)


# Variants after the label survey of China's portals (shared reference §2): one normalised
# field per concept, every label a portal is known to print for it accepted on import.
DATASET_COLUMNS: tuple[Column, ...] = (
    Column(
        "catalog_code",
        "目录编码",
        "catalogue code",
        (
            "目录代码",
            "信息资源代码",
            "资源代码",
            "资源编码",
            "数据集编码",
            "数据集代码",
            "编码",
            "code",
            "identifier",
        ),
        "留空则自动生成；填写已有编码则更新该数据集",
    ),
    Column(
        "title",
        "数据集名称",
        "title",
        (
            "数据集",
            "资源名称",
            "名称",
            "信息资源名称",
            "目录名称",
            "数据名称",
            "数据资源名称",
            "标题",
        ),
        "必填，2-200字",
        required=True,
    ),
    Column(
        "summary",
        "数据摘要",
        "summary",
        (
            "摘要",
            "描述",
            "简介",
            "数据集摘要",
            "资源摘要",
            "信息资源摘要",
            "目录摘要",
            "数据描述",
            "description",
            "notes",
        ),
    ),
    Column(
        "organization",
        "数据提供方",
        "provider",
        (
            "提供单位",
            "数源单位",
            "来源部门",
            "提供方",
            "数据提供单位",
            "提供部门",
            "信息资源提供方",
            "开放主体",
            "数据来源单位",
            "单位名称",
            "organization",
            "org",
            "publisher",
            "department",
        ),
        "机构名称、简称代码或编号；数据专员留空即本单位",
    ),
    Column(
        "region_code",
        "行政区划",
        "region",
        ("行政区划代码", "区划", "区划代码", "所属区域", "所属地区", "region_code"),
        "区划代码或名称；留空即提供方所在区划",
    ),
    Column(
        "domains",
        "开放领域",
        "domains",
        ("主题分类", "领域", "数据领域", "重点领域", "所属领域", "主题", "domain", "theme"),
        "可填多个，用 、 ; 或 , 分隔",
    ),
    Column(
        "keywords",
        "关键字",
        "keywords",
        ("关键词", "标签", "数据标签", "tags"),
        "可填多个，用 、 ; 或 , 分隔",
    ),
    Column(
        "base_class",
        "基础信息资源分类",
        "base class",
        ("基础信息资源", "基础库分类", "基础分类", "信息资源分类"),
        "人口、法人、自然资源和空间地理、社会信用、电子证照、宏观经济",
    ),
    Column(
        "open_attribute",
        "开放属性",
        "open attribute",
        (
            "开放类型",
            "开放条件",
            "开放方式",
            "开放状态",
            "开放等级",
            "公开属性",
            "is_open",
            "open_type",
        ),
        "无条件开放 / 有条件开放（受限开放）/ 不予开放",
    ),
    Column(
        "update_frequency",
        "更新频率",
        "update frequency",
        ("更新周期", "更新频度", "更新频次", "frequency", "accrual_periodicity"),
        "实时、每日、每周、每月、每季度、每半年、每年、不定期、不更新",
    ),
    Column(
        "formats",
        "数据格式",
        "formats",
        ("资源格式", "文件格式", "格式", "信息资源格式", "format"),
        "可填多个，如 CSV、XLSX、API",
    ),
    Column(
        "temporal_start",
        "时间范围起",
        "temporal start",
        ("开始时间", "起始时间", "时间范围开始", "数据起始时间", "起始日期"),
        "日期，如 2020-01-01",
    ),
    Column(
        "temporal_end",
        "时间范围止",
        "temporal end",
        ("结束时间", "截止时间", "时间范围结束", "数据截止时间", "截止日期"),
        "日期，如 2024-12-31",
    ),
    Column("spatial_coverage", "空间范围", "spatial coverage", ("覆盖范围", "地域范围", "spatial")),
    Column(
        "licence",
        "开放协议",
        "licence",
        ("许可协议", "授权协议", "使用协议", "license"),
        "留空即公共数据开放利用协议",
    ),
    Column("contact_name", "联系人", "contact name", ("contact",)),
    Column(
        "contact_phone",
        "联系电话",
        "contact phone",
        ("电话", "部门电话", "联系方式", "phone", "telephone"),
    ),
    Column("contact_email", "联系邮箱", "contact email", ("邮箱", "电子邮箱", "部门邮箱", "email")),
    Column(
        "source_system",
        "来源系统",
        "source system",
        ("数据来源系统", "业务系统", "来源业务系统", "系统名称"),
    ),
)

ITEM_COLUMNS: tuple[Column, ...] = (
    Column(
        "catalog_code",
        "目录编码",
        "catalogue code",
        ("目录代码", "信息资源代码", "资源代码", "数据集编码", "code"),
        "与数据集表对应；与数据集名称二选一",
    ),
    Column(
        "dataset_title",
        "数据集名称",
        "dataset",
        ("数据集", "所属数据集", "资源名称", "信息资源名称", "目录名称", "dataset"),
        "与数据集表对应；与目录编码二选一",
    ),
    Column(
        "label",
        "中文名称",
        "label",
        ("数据项名称", "数据项", "信息项名称", "信息项", "字段中文名", "中文名", "字段中文名称"),
        "必填",
        required=True,
    ),
    Column(
        "name",
        "字段名",
        "field name",
        (
            "字段名称",
            "英文名称",
            "字段英文名",
            "字段英文名称",
            "字段代码",
            "列名",
            "field",
            "column",
        ),
        "必填，字母、数字、下划线或中文",
        required=True,
    ),
    Column(
        "data_type",
        "数据类型",
        "data type",
        ("字段类型", "类型", "type"),
        "字符型、整数型、数值型、布尔型、日期型、日期时间型、空间型",
    ),
    Column("length", "长度", "length", ("数据长度", "字段长度")),
    Column("precision", "精度", "precision", ("小数位", "小数位数", "scale")),
    Column(
        "description", "说明", "description", ("描述", "备注", "字段说明", "数据项说明", "notes")
    ),
    Column(
        "open_attribute",
        "开放属性",
        "open attribute",
        ("开放类型", "开放条件", "开放方式", "开放状态", "公开属性", "is_open", "open_type"),
        "留空按分级取默认值",
    ),
    Column(
        "grade",
        "分级",
        "grade",
        ("数据分级", "敏感级别", "敏感等级", "安全级别", "数据级别", "level", "sensitivity"),
        "L1 不敏感、L2 低敏感、L3 较敏感、L4 敏感",
    ),
    Column("pii_kind", "敏感类型", "PII kind", ("敏感信息类型", "个人信息类型", "pii")),
    Column("masking_rule", "脱敏规则", "masking rule", ("脱敏方式", "脱敏方法", "masking")),
)

_BRACKETED = re.compile(r"[（(【\[].*?[）)】\]]")
_NOISE = re.compile(r"[\s*＊:：_\-]")


def normalise_label(text: str) -> str:
    """A header cell reduced to what identifies it: no notes in brackets, marks or case."""
    return _NOISE.sub("", _BRACKETED.sub("", text)).lower()


def _alias_table(columns: Sequence[Column]) -> dict[str, Column]:
    table: dict[str, Column] = {}
    for column in columns:
        for label in column.labels():
            table.setdefault(normalise_label(label), column)
    return table


DATASET_ALIASES = _alias_table(DATASET_COLUMNS)
ITEM_ALIASES = _alias_table(ITEM_COLUMNS)


@dataclass
class HeaderMap:
    """Where each recognised column sits in a sheet, and the header text the user wrote."""

    row: int
    positions: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.positions


def map_header(cells: Sequence[object], aliases: dict[str, Column], row: int) -> HeaderMap:
    """Recognise a header row; the first of two cells naming the same column wins."""
    header = HeaderMap(row=row)
    for position, cell in enumerate(cells):
        text = str(cell).strip() if cell is not None else ""
        if not text:
            continue
        column = aliases.get(normalise_label(text))
        if column is None or column.key in header.positions:
            header.ignored.append(text)
            continue
        header.positions[column.key] = position
        header.labels[column.key] = text
    return header


def _is_items_header(header: HeaderMap) -> bool:
    return (header.has("label") or header.has("name")) and (
        header.has("catalog_code") or header.has("dataset_title")
    )


def detect_header(rows: Sequence[Sequence[object]], *, kind: str) -> HeaderMap | None:
    """The header among the first rows for a ``datasets`` or ``items`` sheet, if there is one."""
    best: HeaderMap | None = None
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        if kind == "items":
            header = map_header(cells, ITEM_ALIASES, index + 1)
            ok = _is_items_header(header)
        else:
            header = map_header(cells, DATASET_ALIASES, index + 1)
            items_view = map_header(cells, ITEM_ALIASES, index + 1)
            # An items sheet also has a 数据集名称 column; it is not a datasets header.
            ok = header.has("title") and not _is_items_header(items_view)
        if ok and (best is None or len(header.positions) > len(best.positions)):
            best = header
    return best


def require_header(rows: Sequence[Sequence[object]], *, sheet: str) -> HeaderMap:
    """The datasets header, or InvalidInput saying what was expected and what was found."""
    header = detect_header(rows, kind="datasets")
    if header is not None:
        return header
    seen = [str(c).strip() for c in (rows[0] if rows else []) if str(c).strip()][:8]
    if detect_header(rows, kind="items") is not None:
        raise InvalidInput(
            f"「{sheet}」是数据项表，未找到数据集表（CSV 文件只能包含数据集，数据项请用 XLSX 模板）"
            f" ('{sheet}' is a data-item sheet and no datasets sheet was found; a CSV holds"
            " datasets only, items need the XLSX template)",
            details={"sheet": sheet, "found": seen},
        )
    raise InvalidInput(
        f"「{sheet}」前{HEADER_SCAN_ROWS}行中未找到可识别的表头（需要「数据集名称」等列），"
        "请使用开放目录导入模板"
        f" (no recognisable header in the first {HEADER_SCAN_ROWS} rows of '{sheet}': expected"
        " columns such as 数据集名称 / title; use the catalogue template)",
        details={"sheet": sheet, "found": seen},
    )
