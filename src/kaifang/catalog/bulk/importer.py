"""import_catalog: read, check every row, then write all valid rows or none of them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.auth.policy import Target
from kaifang.catalog.bulk.columns import require_header
from kaifang.catalog.bulk.creation import CityDuplicates, CodeAllocator
from kaifang.catalog.bulk.parse import (
    DatasetRow,
    ItemRow,
    SheetContext,
    attach_items,
    dataset_context,
    item_context,
    item_failures,
    parse_datasets,
    parse_items,
)
from kaifang.catalog.bulk.plan import Action, Resolver, decide, load_lookups
from kaifang.catalog.bulk.readers import Upload, read_upload
from kaifang.catalog.bulk.report import ImportReport, RowError, from_domain_error
from kaifang.catalog.bulk.write import BATCH, RowFailure, Writer
from kaifang.catalog.models import CatalogCode
from kaifang.catalog.rules import CatalogCodeTemplate
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.db import withdraw_events
from kaifang.errors import InvalidInput, TooLarge
from kaifang.events import REINDEX_JOB, DatasetChanged
from kaifang.jobs import enqueue_job

MAX_DATASET_ROWS = 50_000


@dataclass
class _Parsed:
    """The upload's rows, parsed and located, before anything is looked up."""

    rows: list[DatasetRow]
    items: list[ItemRow]
    dataset_ctx: SheetContext
    item_ctx: SheetContext | None
    items_sheet: str
    encoding: str


def import_catalog(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    code_template: str,
    valid_rows_only: bool = False,
) -> ImportReport:
    """Import an XLSX or CSV catalogue; every row is checked before anything is written.

    Rows with errors are reported, never raised. Without ``valid_rows_only`` one bad row means
    nothing is imported. Raises InvalidInput for an unreadable file or a foreign template,
    TooLarge for an oversized one and PermissionDenied/NotAuthenticated when ``actor`` may not
    import at all.
    """
    scope = actor.organization_region or actor.region_scope
    target = Target(organization_id=actor.organization_id, region_code=scope)
    auth_service.authorize(actor, "dataset.import", target)
    vocab = VocabularyIndex(session)
    parsed = _parse(data, filename, vocab)
    template = CatalogCodeTemplate(code_template)
    actions = _plan(session, actor, parsed, template)
    report = ImportReport(
        ignored_columns=_ignored(parsed.dataset_ctx, parsed.item_ctx), encoding=parsed.encoding
    )
    report.errors = _errors(parsed)
    report.failed = sum(1 for row in parsed.rows if row.failed)
    if report.errors and not valid_rows_only:
        report.skipped = len(actions)
    else:
        writer = Writer(
            session=session,
            actor=actor,
            vocab=vocab,
            template=template,
            comment=f"批量导入 {filename} (bulk import)"[:2000],
            codes=CodeAllocator(session, _given_codes(session, actions)),
            duplicates=CityDuplicates(session),
        )
        _write(writer, actions, report, parsed.dataset_ctx.name, isolate=valid_rows_only)
        _reindex_in_background(session, actor)
    _audit(session, actor, filename, report)
    return report


def _reindex_in_background(session: Session, actor: Actor) -> None:
    """One search job for every dataset the import changed, instead of a reindex per dataset
    after commit: thousands of rows would otherwise hold the request for minutes. The job is
    enqueued in this transaction, so it exists exactly when the import does."""
    changed = withdraw_events(session, DatasetChanged)
    ids = sorted({event.dataset_id for event in changed})
    if ids:
        enqueue_job(
            session, kind=REINDEX_JOB, created_by=actor.user_id, payload={"dataset_ids": ids}
        )


def _parse(data: bytes, filename: str, vocab: VocabularyIndex) -> _Parsed:
    """Both sheets read and every cell checked; InvalidInput for a file that is not ours."""
    upload = read_upload(data, filename)
    label = filename if upload.kind == "csv" else upload.datasets_name
    dataset_ctx = dataset_context(
        upload.datasets_name, require_header(upload.datasets, sheet=label)
    )
    rows = parse_datasets(upload.datasets, dataset_ctx, vocab)
    _check_size(rows, filename)
    item_ctx, items = _items(upload)
    return _Parsed(rows, items, dataset_ctx, item_ctx, upload.items_name, upload.encoding)


def _plan(
    session: Session, actor: Actor, parsed: _Parsed, template: CatalogCodeTemplate
) -> list[Action]:
    """Match rows to providers and datasets, attach their items and decide what each does."""
    lookups = load_lookups(session, parsed.rows, actor)
    resolver = Resolver(actor, lookups, template, parsed.dataset_ctx)
    targets = {row.row: resolver.resolve(row) for row in parsed.rows}
    if parsed.item_ctx is not None:
        # An export's item rows name the code even when a row matched its dataset by title.
        known = {
            t.existing.catalog_code: r for r in parsed.rows if (t := targets[r.row]) and t.existing
        }
        attach_items(
            parsed.rows,
            parsed.items,
            item_ctx=parsed.item_ctx,
            dataset_ctx=parsed.dataset_ctx,
            known_codes=known,
        )
    actions = []
    for row in parsed.rows:
        target = targets[row.row]
        if target is not None and not row.failed:
            action = decide(row, target, lookups, parsed.dataset_ctx)
            actions += [action] if action is not None else []
    return actions


def _check_size(rows: Sequence[DatasetRow], filename: str) -> None:
    if not rows:
        raise InvalidInput(
            f"「{filename}」中没有数据集行 (the file holds no dataset rows)",
            details={"file": filename},
        )
    if len(rows) > MAX_DATASET_ROWS:
        raise TooLarge(
            f"一次最多导入 {MAX_DATASET_ROWS} 个数据集 (at most {MAX_DATASET_ROWS} datasets per import)"
        )


def _items(upload: Upload) -> tuple[SheetContext | None, list[ItemRow]]:
    if upload.items is None or not any(any(str(c).strip() for c in r) for r in upload.items):
        return None, []
    ctx = item_context(upload.items_name, upload.items)
    if ctx is None:
        raise InvalidInput(
            f"「{upload.items_name}」表未找到可识别的表头（需要「中文名称」「字段名」及「目录编码」或"
            "「数据集名称」列） (no recognisable header in the items sheet: expected 中文名称, 字段名"
            " and 目录编码 or 数据集名称)",
            details={"sheet": upload.items_name},
        )
    return ctx, parse_items(upload.items, ctx)


def _errors(parsed: _Parsed) -> list[RowError]:
    """Dataset-sheet errors in row order, then items-sheet errors in row order."""
    dataset_errors: list[RowError] = []
    for row in parsed.rows:
        dataset_errors.extend(row.errors)
        pointer = item_failures(row, parsed.dataset_ctx, parsed.items_sheet)
        if pointer is not None:
            dataset_errors.append(pointer)
    item_errors = [e for item in parsed.items for e in item.errors]
    return sorted(dataset_errors, key=lambda e: e["row"]) + sorted(
        item_errors, key=lambda e: e["row"]
    )


def _ignored(*contexts: SheetContext | None) -> list[str]:
    return [f"{c.name}:{label}" for c in contexts if c is not None for label in c.header.ignored]


# --- writing ---------------------------------------------------------------------------------


def _given_codes(session: Session, actions: list[Action]) -> set[str]:
    """Codes typed in by hand, now or before, which the sequence counter must step over."""
    given = set(session.scalars(select(CatalogCode.code).where(CatalogCode.sequence == 0)))
    return given | {a.data.catalog_code for a in actions if a.data and a.data.catalog_code}


def _write(
    writer: Writer, actions: list[Action], report: ImportReport, sheet: str, *, isolate: bool
) -> None:
    """Write inside one savepoint, so an unexpected failure leaves nothing half-imported."""
    try:
        with writer.session.begin_nested():
            failures = _run(writer.session, writer, actions, isolate)
    except RowFailure as failure:
        # Only reached without valid_rows_only: the savepoint is gone, so nothing was written.
        report.errors.append(_failure_error(failure, sheet))
        report.failed += 1
        report.skipped = len(actions) - 1
        return
    _count(report, actions, writer, failures, sheet)


def _run(
    session: Session, writer: Writer, actions: list[Action], isolate: bool
) -> list[RowFailure]:
    failures: list[RowFailure] = []
    for action in actions:
        if action.kind == "update":
            _one(session, writer, action, isolate, failures)
    creates = [a for a in actions if a.kind == "create"]
    for batch in _batches(creates):
        _create(writer, batch, isolate, failures)
    return failures


def _one(
    session: Session, writer: Writer, action: Action, isolate: bool, failures: list[RowFailure]
) -> None:
    if not isolate:
        writer.update(action)
        return
    try:
        with session.begin_nested():
            writer.update(action)
    except RowFailure as failure:
        failures.append(failure)


def _create(writer: Writer, batch: list[Action], isolate: bool, failures: list[RowFailure]) -> None:
    """Create a batch; with ``isolate`` a failing row is dropped and the rest retried."""
    while batch:
        try:
            writer.create_batch(batch)
            return
        except RowFailure as failure:
            if not isolate:
                raise
            failures.append(failure)
            batch = [a for a in batch if a is not failure.action]


def _batches(actions: list[Action]) -> Iterator[list[Action]]:
    for start in range(0, len(actions), BATCH):
        yield actions[start : start + BATCH]


def _failure_error(failure: RowFailure, sheet: str) -> RowError:
    return from_domain_error(failure.error, row=failure.action.row.row, sheet=sheet)


def _count(
    report: ImportReport,
    actions: list[Action],
    writer: Writer,
    failures: list[RowFailure],
    sheet: str,
) -> None:
    failed = {id(f.action) for f in failures}
    report.errors.extend(_failure_error(f, sheet) for f in failures)
    report.failed += len(failed)
    for action in actions:
        if id(action) in failed:
            continue
        if action.kind == "create":
            report.created += 1
        elif action.kind == "update":
            report.updated += 1
        else:
            report.unchanged += 1
        assert action.dataset is not None
        report.dataset_ids.append(action.dataset.id)
    report.revisions = writer.revisions


def _audit(session: Session, actor: Actor, filename: str, report: ImportReport) -> None:
    outcome = "success" if report.ok else ("partial" if report.dataset_ids else "failure")
    audit_service.record(
        session,
        action="dataset.import",
        actor=actor,
        object_type="catalog",
        object_id=filename[:80],
        outcome=outcome,
        details={
            "file": filename[:200],
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "failed": report.failed,
            "errors": len(report.errors),
        },
    )
