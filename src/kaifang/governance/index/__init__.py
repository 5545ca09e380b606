"""The open index (开放指数): four layers modelled on the China Open Data Index (中国开放数林指数).

No official weights are published (the Fudan reports show them only in a figure; see
shared/reference/china-open-data.md §1.3), so the weights below are our own defaults, are
stored with every snapshot and can be overridden per computation. Within a layer, indicator
weights are relative and are normalised to sum to 1 over the indicators that apply.

Scoring: shares score 100 × share; counts score 100 × value ÷ the best peer of the same kind
(organizations against organizations, regions against regions); readiness values are entered
by the bureau on a 0-100 scale, with an evidence link, and count 0 until entered. An indicator
with no basis (e.g. application timeliness with no applications) is left out of its layer.
"""

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
    max_days_by_frequency,
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
    "latest_snapshot",
    "max_days_by_frequency",
    "readiness_values",
    "score_entities",
    "set_readiness",
    "sla_raw",
    "snapshot_history",
]
