"""Layers, indicators and weights of the open index, with their definitions and sources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kaifang.catalog.vocabularies import DEFAULT_DOMAINS, domain_code
from kaifang.errors import InvalidInput

# The method as the evaluators' export states it (the package docstring).
METHOD = """The open index (开放指数): four layers modelled on the China Open Data Index (中国开放数林指数).

No official weights are published (the Fudan reports show them only in a figure; see
shared/reference/china-open-data.md §1.3), so the weights below are our own defaults, are
stored with every snapshot and can be overridden per computation. Within a layer, indicator
weights are relative and are normalised to sum to 1 over the indicators that apply.

Scoring: shares score 100 × share; counts score 100 × value ÷ the best peer of the same kind
(organizations against organizations, regions against regions); readiness values are entered
by the bureau on a 0-100 scale, with an evidence link, and count 0 until entered. An indicator
with no basis (e.g. application timeliness with no applications) is left out of its layer.

Use (U1, U2) counts the usage events recorded within the index period, 1 January of the
index year to the index date (China-local days), not the datasets' lifetime counters, so a
snapshot measures that year's use and snapshots of different years compare like with like.
"""
KEY_DOMAINS = DEFAULT_DOMAINS[:8]
KEY_DOMAIN_CODES = tuple(domain_code(d) for d in KEY_DOMAINS)
METADATA_FIELDS = ("summary", "contact_name", "licence", "update_frequency", "spatial_coverage")
DEFAULT_MAX_DAYS = {
    "realtime": 1,
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "quarterly": 92,
    "semiannual": 183,
    "yearly": 366,
}


@dataclass(frozen=True)
class Layer:
    """A first-level layer of the index and its default weight in the total."""

    code: str
    name_zh: str
    name_en: str
    weight: float


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it measures, where the number comes from, how it scores, its weight."""

    code: str
    layer: str
    name_zh: str
    name_en: str
    definition: str
    source: str
    scale: str  # "share" | "relative" | "manual"
    weight: float


LAYERS: tuple[Layer, ...] = (
    Layer("readiness", "准备度", "Readiness", 0.20),
    Layer("platform", "平台层", "Platform", 0.20),
    Layer("data", "数据层", "Data", 0.40),
    Layer("use", "利用层", "Use", 0.20),
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "R1",
        "readiness",
        "法规政策",
        "Laws and policies",
        "Strength and content of open-data rules and policies, scored 0-100 by the bureau.",
        "Entered by the bureau with an evidence link (readiness_values).",
        "manual",
        1.0,
    ),
    Indicator(
        "R2",
        "readiness",
        "标准规范",
        "Standards",
        "Open-data standards and specifications adopted, scored 0-100 by the bureau.",
        "Entered by the bureau with an evidence link (readiness_values).",
        "manual",
        1.0,
    ),
    Indicator(
        "R3",
        "readiness",
        "组织与领导",
        "Organization and leadership",
        "Leadership, staffing and assessment of open-data work, scored 0-100 by the bureau.",
        "Entered by the bureau with an evidence link (readiness_values).",
        "manual",
        1.0,
    ),
    Indicator(
        "P1",
        "platform",
        "元数据完整度",
        "Metadata completeness",
        "Share of required metadata fields (summary, contact, licence, update frequency, "
        "spatial coverage, data items) filled on published datasets.",
        "Catalogue: datasets and data items.",
        "share",
        0.4,
    ),
    Indicator(
        "P2",
        "platform",
        "接口提供",
        "API provision",
        "Share of published datasets offered through an API.",
        "Catalogue: dataset formats (API).",
        "share",
        0.3,
    ),
    Indicator(
        "P3",
        "platform",
        "申请受理及时率",
        "Application acceptance on time",
        "Share of conditional-open applications submitted within the index period that were "
        "accepted within the deadline.",
        "access.service.sla_figures (accept_on_time_share), applications submitted within the "
        "index period.",
        "share",
        0.3,
    ),
    Indicator(
        "D1",
        "data",
        "数据集数量",
        "Dataset quantity",
        "Number of published datasets.",
        "Catalogue: published datasets.",
        "relative",
        0.2,
    ),
    Indicator(
        "D2",
        "data",
        "数据容量",
        "Data capacity",
        "Sum over published datasets of rows × data items.",
        "Catalogue: row_count and item_count.",
        "relative",
        0.2,
    ),
    Indicator(
        "D3",
        "data",
        "更新及时率",
        "Update timeliness",
        "Share of published datasets with a periodic update frequency whose last update "
        "lies within that frequency's maximum days of the index date.",
        "Catalogue: last_updated_at; vocabulary update_frequency extra.max_days.",
        "share",
        0.2,
    ),
    Indicator(
        "D4",
        "data",
        "机器可读比例",
        "Machine-readable share",
        "Share of published format entries that are machine readable (MACHINE_READABLE).",
        "Catalogue: dataset formats.",
        "share",
        0.15,
    ),
    Indicator(
        "D5",
        "data",
        "重点领域覆盖",
        "Key-domain coverage",
        "Share of the plan's key domains covered by at least one published dataset.",
        "Catalogue: dataset domains against the first 8 default domains.",
        "share",
        0.1,
    ),
    Indicator(
        "D6",
        "data",
        "有条件开放覆盖",
        "Conditional-open coverage",
        "Share of published datasets that open data under conditions (受限开放).",
        "Catalogue: dataset and item open attributes.",
        "share",
        0.15,
    ),
    Indicator(
        "U1",
        "use",
        "下载量",
        "Downloads",
        "Downloads of published datasets within the index period (1 January of the index "
        "year to the index date, China-local days).",
        "Usage events (usage_events, kind download) within the index period.",
        "relative",
        0.4,
    ),
    Indicator(
        "U2",
        "use",
        "接口调用量",
        "API calls",
        "Data-API calls to published datasets within the index period (1 January of the "
        "index year to the index date, China-local days).",
        "Usage events (usage_events, kind api_call) within the index period.",
        "relative",
        0.4,
    ),
    Indicator(
        "U3",
        "use",
        "服务申请数",
        "Applications served",
        "Conditional-open applications submitted within the index period and decided.",
        "access.service.sla_figures (decided), applications submitted within the index period.",
        "relative",
        0.2,
    ),
)

INDICATOR_BY_CODE = {i.code: i for i in INDICATORS}
WEIGHT_NOTE = (
    "No official weights of the China Open Data Index are published; these are Kaifang's "
    "configurable defaults (data layer heaviest), stored with each snapshot."
)


def effective_weights(overrides: Mapping[str, float] | None = None) -> dict[str, dict[str, float]]:
    """Layer and indicator weights after overrides (keys are layer or indicator codes)."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - {lay.code for lay in LAYERS} - set(INDICATOR_BY_CODE)
    if unknown or any(v < 0 for v in overrides.values()):
        raise InvalidInput(
            "权重无效 (unknown code or negative weight)", details={"unknown": sorted(unknown)}
        )
    return {
        "layers": {lay.code: float(overrides.get(lay.code, lay.weight)) for lay in LAYERS},
        "indicators": {i.code: float(overrides.get(i.code, i.weight)) for i in INDICATORS},
    }
