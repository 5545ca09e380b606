"""The harvest job: read every page of a source, then apply each record in its own transaction.

Reading comes first and completely: a source that cannot be read or understood fails the run
before anything changes, so a broken source never withdraws datasets. One record failing to
apply is reported with its reason and does not stop the others.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from kaifang.db import Database, utcnow
from kaifang.errors import DomainError, NotFound
from kaifang.interop.harvest import from_ckan, from_dcat
from kaifang.interop.harvest.apply import (
    Outcome,
    SourceSnapshot,
    apply_record,
    record_digest,
    touch_links,
    unchanged_links,
    withdraw_missing,
)
from kaifang.interop.harvest.fetching import HarvestSourceError, make_fetcher
from kaifang.interop.harvest.models import HarvestRecord, HarvestRun, HarvestSource
from kaifang.interop.harvest.records import FailedRecord, HarvestedDataset, Mapped
from kaifang.interop.harvest.service import HARVEST_JOB, enqueue_due
from kaifang.jobs import JobContext, JobLeaseLost, register
from kaifang.jobs.registry import registry

log = logging.getLogger("kaifang.harvest")
REPORT_MAX_ENTRIES = 5000
INTERNAL_ERROR = "内部错误，详见服务器日志 (internal error; see the server log)"


@register(HARVEST_JOB, max_attempts=1, lease_seconds=600)
def run_harvest(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Harvest the run's source; returns the counts (the report stays on the run)."""
    run_id = int(payload["run_id"])
    source = _start(ctx.db, run_id)
    try:
        records = _collect(ctx, source)
        return _apply_all(ctx, source, run_id, records)
    except JobLeaseLost:
        raise
    except DomainError as exc:
        _fail(ctx.db, run_id, exc.message)
        raise
    except Exception:
        _fail(ctx.db, run_id, INTERNAL_ERROR)
        raise


def _start(db: Database, run_id: int) -> SourceSnapshot:
    with db.unit_of_work() as session:
        run = session.get(HarvestRun, run_id)
        source = session.get(HarvestSource, run.source_id) if run is not None else None
        if run is None or source is None:
            raise NotFound("采集任务不存在 (harvest run not found)")
        run.status, run.started_at, run.error = "running", utcnow(), ""
        return SourceSnapshot.of(source, session)


def _fail(db: Database, run_id: int, reason: str) -> None:
    with db.unit_of_work() as session:
        run = session.get(HarvestRun, run_id)
        if run is not None:
            run.status, run.error, run.finished_at = "failed", reason[:2000], utcnow()


def _collect(ctx: JobContext, source: SourceSnapshot) -> list[Mapped]:
    fetch = make_fetcher(ctx.settings)

    def progress(done: int, total: int) -> None:
        share = done / total if total else 0.0
        ctx.progress(min(40.0, 40.0 * share), f"已读取 {done} 条记录 (read {done} records)")

    if source.kind == "ckan":
        records = from_ckan.collect(fetch, source.url, source.filters, progress)
    else:
        records = from_dcat.collect(fetch, source.url, progress)
    if not any(not isinstance(r, FailedRecord) for r in records):
        _refuse_empty_listing(ctx.db, source)
    return records


def _refuse_empty_listing(db: Database, source: SourceSnapshot) -> None:
    """An empty listing from a source that had datasets is treated as broken, not as deletions."""
    with db.session() as session:
        active = session.scalar(
            select(func.count(HarvestRecord.id)).where(
                HarvestRecord.source_id == source.id, HarvestRecord.state == "active"
            )
        )
    if active:
        raise HarvestSourceError(
            "来源未列出任何可用数据集，未作删除 (the source listed no usable datasets; "
            "nothing was withdrawn)"
        )


def _apply_one(ctx: JobContext, source: SourceSnapshot, record: Mapped) -> Outcome:
    if isinstance(record, FailedRecord):
        return Outcome("failed", record.identifier, reason=record.reason)
    key = record.stable_key or record.guid
    try:
        with ctx.db.unit_of_work() as session:
            return apply_record(
                session,
                source=source,
                record=record,
                code_template=ctx.settings.catalog_code_template,
            )
    except DomainError as exc:
        return Outcome("failed", key, record.title, reason=exc.message)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
        return Outcome("failed", key, record.title, reason=f"字段无效 (invalid fields): {fields}")
    except Exception:
        log.exception("harvest source %s: record %s failed", source.id, key)
        return Outcome("failed", key, record.title, reason=INTERNAL_ERROR)


def _seen_keys(records: list[Mapped]) -> set[str]:
    seen: set[str] = set()
    for record in records:
        if isinstance(record, FailedRecord):
            seen.add(record.identifier)
        else:
            seen.update((record.guid, record.stable_key))
    return seen


def _apply_all(
    ctx: JobContext, source: SourceSnapshot, run_id: int, records: list[Mapped]
) -> dict[str, Any]:
    with ctx.db.session() as session:
        unchanged = unchanged_links(session, source.id)
    outcomes: list[Outcome] = []
    for position, record in enumerate(records, 1):
        outcomes.append(
            _skip_unchanged(source, unchanged, record) or _apply_one(ctx, source, record)
        )
        if position % 25 == 0:
            done = f"已处理 {position}/{len(records)} (applied)"
            ctx.progress(40.0 + 55.0 * position / len(records), done)
    seen = [r.guid for r in records if isinstance(r, HarvestedDataset)]
    with ctx.db.unit_of_work() as session:
        touch_links(session, source.id, seen)
        outcomes += withdraw_missing(session, source=source, seen=_seen_keys(records))
    return _finish(ctx.db, run_id, outcomes)


def _skip_unchanged(
    source: SourceSnapshot, unchanged: dict[tuple[str, str], int], record: Mapped
) -> Outcome | None:
    """Unchanged records need no transaction of their own (most records of most runs)."""
    if isinstance(record, FailedRecord):
        return None
    dataset_id = unchanged.get((record.guid, record_digest(source, record)))
    if dataset_id is None:
        return None
    return Outcome("unchanged", record.stable_key or record.guid, record.title, dataset_id)


def _finish(db: Database, run_id: int, outcomes: list[Outcome]) -> dict[str, Any]:
    counts = Counter(o.action for o in outcomes)
    summary = {
        k: counts.get(k, 0) for k in ("created", "updated", "unchanged", "deleted", "failed")
    }
    with db.unit_of_work() as session:
        run = session.get(HarvestRun, run_id)
        if run is not None:
            for key, value in summary.items():
                setattr(run, key, value)
            run.report = [o.entry() for o in outcomes[:REPORT_MAX_ENTRIES]]
            run.status, run.finished_at = "succeeded", utcnow()
    return {"run_id": run_id, **summary}


@registry.periodic("harvest.enqueue_due")
def enqueue_due_harvests(db: Database) -> None:
    """Queue the runs of scheduled sources that are due (called every minute by the worker)."""
    with db.unit_of_work() as session:
        queued = enqueue_due(session)
    if queued:
        log.info("queued %d scheduled harvest run(s)", len(queued))
