"""The background reindex of many datasets at once (bulk catalogue imports)."""

from __future__ import annotations

from typing import Any

from kaifang.events import REINDEX_JOB
from kaifang.jobs import JobContext, register
from kaifang.search.service import REINDEX_BATCH, reindex_datasets


@register(REINDEX_JOB, max_attempts=3)
def reindex_datasets_job(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Rebuild the entries of ``payload["dataset_ids"]`` batch by batch, reporting progress.

    Each batch commits on its own, so a retry after a crash redoes at most one batch's work
    (reindexing is idempotent).
    """
    ids = sorted({int(i) for i in payload.get("dataset_ids") or []})
    indexed = 0
    for start in range(0, len(ids), REINDEX_BATCH):
        batch = ids[start : start + REINDEX_BATCH]
        with ctx.db.unit_of_work() as session:
            indexed += reindex_datasets(session, batch)
        done = start + len(batch)
        ctx.progress(100.0 * done / len(ids), f"{done}/{len(ids)} 个数据集 (datasets)")
    return {"datasets": len(ids), "indexed": indexed}
