"""The open index (开放指数): four layers modelled on the China Open Data Index; the method
is stated in ``definitions.METHOD`` and exported with every snapshot."""

from kaifang.governance.index.definitions import (
    DEFAULT_MAX_DAYS,
    INDICATOR_BY_CODE,
    INDICATORS,
    KEY_DOMAIN_CODES,
    KEY_DOMAINS,
    LAYERS,
    METADATA_FIELDS,
    WEIGHT_NOTE,
    Indicator,
    Layer,
    effective_weights,
)
from kaifang.governance.index.raw import (
    data_raw,
    index_period,
    max_days_by_frequency,
    period_usage,
    readiness_values,
    sla_raw,
)
from kaifang.governance.index.scoring import (
    compute_index,
    score_entities,
)
from kaifang.governance.index.snapshots import (
    definitions,
    explain,
    export_snapshot,
    get_snapshot,
    latest_snapshot,
    set_readiness,
    snapshot_history,
)

__all__ = [
    "DEFAULT_MAX_DAYS",
    "INDICATORS",
    "INDICATOR_BY_CODE",
    "KEY_DOMAINS",
    "KEY_DOMAIN_CODES",
    "LAYERS",
    "METADATA_FIELDS",
    "WEIGHT_NOTE",
    "Indicator",
    "Layer",
    "compute_index",
    "data_raw",
    "definitions",
    "effective_weights",
    "explain",
    "export_snapshot",
    "get_snapshot",
    "index_period",
    "latest_snapshot",
    "max_days_by_frequency",
    "period_usage",
    "readiness_values",
    "score_entities",
    "set_readiness",
    "sla_raw",
    "snapshot_history",
]
