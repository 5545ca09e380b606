"""Deciding, before anything is written, what each row does: create, update or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization, Region
from kaifang.auth.policy import Target
from kaifang.catalog.bulk.parse import DatasetRow, SheetContext
from kaifang.catalog.models import CatalogCode, DataItem, Dataset, DatasetRevision
from kaifang.catalog.rules import CatalogCodeTemplate
from kaifang.catalog.schemas import DataItemIn, DatasetIn, DatasetPatch
from kaifang.catalog.service import EDITABLE_STATUSES, target_of
from kaifang.catalog.visibility import is_visible
from kaifang.codes import region_contains
from kaifang.errors import DomainError

CHUNK = 500
ITEM_KEYS = tuple(DataItemIn.model_fields)


@dataclass
class Lookups:
    """Everything rows are checked against, loaded in a few queries instead of per row."""

    organizations: dict[str, Organization] = field(default_factory=dict)
    region_codes: set[str] = field(default_factory=set)
    region_names: dict[str, list[str]] = field(default_factory=dict)
    by_code: dict[str, Dataset] = field(default_factory=dict)
    by_title: dict[tuple[int, str], list[Dataset]] = field(default_factory=dict)
    issued: set[str] = field(default_factory=set)
    revisions: dict[int, DatasetRevision] = field(default_factory=dict)
    items: dict[int, list[tuple[Any, ...]]] = field(default_factory=dict)


@dataclass
class Action:
    """What one valid dataset row will do, with the input the service functions take."""

    row: DatasetRow
    kind: Literal["create", "update", "unchanged"]
    organization: Organization
    region: str
    dataset: Dataset | None = None
    data: DatasetIn | None = None
    patch: DatasetPatch | None = None


@dataclass
class RowTarget:
    """Where a row belongs: its provider, its region and the dataset it matches, if any."""

    organization: Organization
    region: str
    existing: Dataset | None = None


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    pending = list(dict.fromkeys(values))
    for start in range(0, len(pending), CHUNK):
        yield pending[start : start + CHUNK]


def load_lookups(session: Session, rows: Sequence[DatasetRow], actor: Actor) -> Lookups:
    """Organizations, regions, matching datasets, issued codes and open revisions."""
    found = Lookups()
    for org in session.scalars(select(Organization)):
        for key in (str(org.id), org.slug, org.name):
            found.organizations.setdefault(key, org)
    _load_regions(session, rows, found)
    codes = [r.code for r in rows if r.code]
    for chunk in _chunks(codes):
        for ds in _datasets(session, Dataset.catalog_code.in_(chunk)):
            found.by_code[ds.catalog_code] = ds
    for chunk in _chunks(c for c in codes if c not in found.by_code):
        found.issued.update(
            session.scalars(select(CatalogCode.code).where(CatalogCode.code.in_(chunk)))
        )
    _load_titles(session, rows, actor, found)
    ids = [d.id for d in found.by_code.values()] + [
        d.id for ds in found.by_title.values() for d in ds
    ]
    for chunk in _chunks(ids):
        stmt = select(DatasetRevision).where(
            DatasetRevision.dataset_id.in_(chunk),
            DatasetRevision.status.in_(("draft", "submitted")),
        )
        found.revisions.update((r.dataset_id, r) for r in session.scalars(stmt))
        _load_items(session, chunk, found)
    return found


def _load_items(session: Session, ids: list[int], found: Lookups) -> None:
    """Stored items as plain tuples: only compared, so no ORM objects for 100,000 rows."""
    columns = [getattr(DataItem, k) for k in ITEM_KEYS]
    stmt = (
        select(DataItem.dataset_id, *columns)
        .where(DataItem.dataset_id.in_(ids))
        .order_by(DataItem.dataset_id, DataItem.position)
    )
    for dataset_id, *values in session.execute(stmt):
        found.items.setdefault(dataset_id, []).append(
            _item_tuple(dict(zip(ITEM_KEYS, values, strict=True)))
        )


def _datasets(session: Session, condition: Any) -> list[Dataset]:
    stmt = select(Dataset).where(condition)
    return list(session.scalars(stmt).unique())


def _load_regions(session: Session, rows: Sequence[DatasetRow], found: Lookups) -> None:
    refs = {r.region for r in rows if r.region}
    for chunk in _chunks(refs):
        stmt = select(Region.code, Region.name).where(
            Region.code.in_(chunk) | Region.name.in_(chunk)
        )
        for code, name in session.execute(stmt):
            found.region_codes.add(code)
            found.region_names.setdefault(name, []).append(code)


def _load_titles(
    session: Session, rows: Sequence[DatasetRow], actor: Actor, found: Lookups
) -> None:
    org_ids = {o.id for o in (_organization_of(r, actor, found) for r in rows) if o is not None}
    titles = [row_title(r) for r in rows if not r.code]
    if not org_ids or not titles:
        return
    for chunk in _chunks(titles):
        condition = Dataset.organization_id.in_(org_ids) & Dataset.title.in_(chunk)
        for ds in _datasets(session, condition):
            found.by_title.setdefault((ds.organization_id, ds.title), []).append(ds)


def row_title(row: DatasetRow) -> str:
    """The title as it will be stored (cleaned), for matching existing datasets."""
    return row.data.title if row.data is not None else str(row.fields.get("title", "")).strip()


def _organization_of(row: DatasetRow, actor: Actor, found: Lookups) -> Organization | None:
    if row.organization:
        return found.organizations.get(row.organization)
    if actor.organization_id is not None:
        return found.organizations.get(str(actor.organization_id))
    return None


# --- matching rows to providers, regions and existing datasets ----------------------------------


@dataclass
class Resolver:
    """Resolves each row's provider, region and existing dataset, adding row errors."""

    actor: Actor
    lookups: Lookups
    template: CatalogCodeTemplate
    ctx: SheetContext
    claimed: dict[int, int] = field(default_factory=dict)
    new_titles: dict[tuple[int, str], int] = field(default_factory=dict)

    def resolve(self, row: DatasetRow) -> RowTarget | None:
        """The row's target, or None after adding the reasons to the row's errors."""
        existing = self.lookups.by_code.get(row.code) if row.code else None
        if existing is not None and not is_visible(self.actor, existing):
            # Same answer as creating with a used code: nothing about whose draft it is.
            self._fail(
                row, "catalog_code", f"'{row.code}' 已被使用", f"'{row.code}' is already issued"
            )
            return None
        org = self._organization(row, existing)
        if org is None:
            return None
        region = self._region(row, org, existing)
        if region is None or not self._may(row, "dataset.import", org, region):
            return None
        if not row_title(row):
            return None  # already reported; matching by an empty title would only add noise
        if existing is None and not row.code:
            existing = self._by_title(row, org)
        if existing is not None:
            return self._existing(row, org, region, existing)
        if row.code and not self._fresh_code(row):
            return None
        if not row.code and not self._first_new_title(row, org):
            return None
        if not self._may(row, "dataset.create", org, region):
            return None
        return RowTarget(org, region)

    def _fail(self, row: DatasetRow, key: str, zh: str, en: str) -> None:
        row.errors.append(self.ctx.error(row.row, key, zh, en))

    def _organization(self, row: DatasetRow, existing: Dataset | None) -> Organization | None:
        if not row.organization and existing is not None:
            return existing.organization
        org = _organization_of(row, self.actor, self.lookups)
        if org is None and row.organization:
            self._fail(
                row,
                "organization",
                f"'{row.organization}' 不存在",
                f"'{row.organization}' does not exist",
            )
        elif org is None:
            self._fail(row, "organization", "不能为空", "is required")
        elif existing is not None and existing.organization_id != org.id:
            self._fail(
                row,
                "organization",
                f"'{row.organization}' 与目录编码所属提供方不符，不能通过导入变更",
                f"'{row.organization}' differs from the provider of this catalogue code",
            )
            return None
        return org

    def _region(self, row: DatasetRow, org: Organization, existing: Dataset | None) -> str | None:
        default = existing.region_code if existing is not None else org.region_code
        if not row.region:
            return default
        codes = (
            [row.region]
            if row.region in self.lookups.region_codes
            else self.lookups.region_names.get(row.region, [])
        )
        codes = [c for c in codes if region_contains(org.region_code[:4], c)]
        if len(codes) != 1:
            self._fail(
                row,
                "region_code",
                f"'{row.region}' 不存在或不在提供方所在城市",
                f"'{row.region}' is unknown or outside the provider's city",
            )
            return None
        if existing is not None and codes[0] != existing.region_code:
            self._fail(row, "region_code", "不能通过导入修改", "cannot be changed by import")
            return None
        return codes[0]

    def _may(self, row: DatasetRow, action: str, org: Organization, region: str) -> bool:
        try:
            auth_service.authorize(
                self.actor, action, Target(organization_id=org.id, region_code=region)
            )
        except DomainError:
            self._fail(
                row,
                "organization",
                f"无权为「{org.name}」导入目录",
                f"you may not import catalogue entries for '{org.name}'",
            )
            return False
        return True

    def _by_title(self, row: DatasetRow, org: Organization) -> Dataset | None:
        title = row_title(row)
        matches = [
            d for d in self.lookups.by_title.get((org.id, title), []) if d.status != "withdrawn"
        ]
        if len(matches) > 1:
            self._fail(
                row,
                "title",
                f"'{title}' 对应多个已有数据集，请填写目录编码",
                f"'{title}' matches several existing datasets; give the catalogue code",
            )
        return matches[0] if len(matches) == 1 else None

    def _existing(
        self, row: DatasetRow, org: Organization, region: str, ds: Dataset
    ) -> RowTarget | None:
        try:
            auth_service.authorize(self.actor, "dataset.edit", target_of(ds))
        except DomainError:
            self._fail(
                row,
                "catalog_code",
                f"无权修改数据集 {ds.catalog_code}",
                f"you may not edit {ds.catalog_code}",
            )
            return None
        if ds.id in self.claimed:
            self._fail(
                row,
                "catalog_code",
                f"与第{self.claimed[ds.id]}行指向同一数据集 {ds.catalog_code}",
                f"row {self.claimed[ds.id]} already updates {ds.catalog_code}",
            )
            return None
        self.claimed[ds.id] = row.row
        return RowTarget(org, region, ds)

    def _fresh_code(self, row: DatasetRow) -> bool:
        if not self.template.is_valid(row.code):
            self._fail(
                row,
                "catalog_code",
                f"'{row.code}' 格式不符（应为 {self.template.template}）",
                f"'{row.code}' does not match {self.template.template}",
            )
            return False
        if row.code in self.lookups.issued:
            self._fail(
                row,
                "catalog_code",
                f"'{row.code}' 已被使用过，不可重复使用",
                f"'{row.code}' was issued before and is never reused",
            )
            return False
        return True

    def _first_new_title(self, row: DatasetRow, org: Organization) -> bool:
        key = (org.id, row_title(row))
        if key in self.new_titles:
            self._fail(
                row,
                "title",
                f"与第{self.new_titles[key]}行重复（同一提供方）",
                f"repeats row {self.new_titles[key]} for the same provider",
            )
            return False
        self.new_titles[key] = row.row
        return True


# --- deciding what changes ------------------------------------------------------------------


def decide(
    row: DatasetRow, target: RowTarget, lookups: Lookups, ctx: SheetContext
) -> Action | None:
    """The action for a row whose items are attached; None (with a row error) if it cannot run."""
    assert row.data is not None
    items = [i.item for i in row.items if i.item is not None]
    if target.existing is None:
        data = row.data.model_copy(
            update={
                "organization_id": target.organization.id,
                "region_code": target.region,
                "catalog_code": row.code or None,
                "items": items or None,
            }
        )
        return Action(row, "create", target.organization, target.region, data=data)
    ds = target.existing
    revision = lookups.revisions.get(ds.id)
    stored = {"items": lookups.items.get(ds.id, [])}
    changes = _changes(row, items, ds, stored, revision.changes if revision else {})
    if not changes:
        return Action(row, "unchanged", target.organization, target.region, dataset=ds)
    problem = _not_editable(ds, revision)
    if problem:
        row.errors.append(ctx.error(row.row, "", *problem))
        return None
    patch = DatasetPatch.model_validate(changes)
    return Action(row, "update", target.organization, target.region, dataset=ds, patch=patch)


def _not_editable(ds: Dataset, revision: DatasetRevision | None) -> tuple[str, str] | None:
    if ds.status == "published":
        if revision is not None and revision.status == "submitted":
            return (
                "该数据集的修订正在审核中，暂不能修改",
                "a revision of this dataset is under review",
            )
        return None
    if ds.status in EDITABLE_STATUSES:
        return None
    return (
        f"数据集 {ds.catalog_code} 当前状态为 {ds.status}，不能修改",
        f"dataset {ds.catalog_code} is {ds.status} and cannot be edited",
    )


def _changes(
    row: DatasetRow,
    items: list[DataItemIn],
    ds: Dataset,
    stored: dict[str, Any],
    staged: dict[str, Any],
) -> dict[str, Any]:
    """Provided fields that differ from both the dataset and its pending revision.

    A value equal to the published entry or to the staged revision is no change, so re-importing
    an export or the same edited file twice stages nothing new.
    """
    assert row.data is not None
    wanted: dict[str, Any] = {k: getattr(row.data, k) for k in row.fields}
    if row.items:
        wanted["items"] = items
    changes = {}
    for key, value in wanted.items():
        new = _plain(key, value)
        current = stored[key] if key in stored else _plain(key, getattr(ds, key))
        if new == current:
            continue
        if key in staged and new == _plain(key, staged[key]):
            continue
        changes[key] = value
    return changes


def _plain(key: str, value: Any) -> Any:
    """A comparable form: ISO dates, items as tuples."""
    if key == "items":
        return [_item_tuple(i) for i in value or []]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _item_tuple(item: DataItemIn | dict[str, Any]) -> tuple[Any, ...]:
    """An item's fields in order, a blank PII kind or masking rule counted as none."""
    raw = item if isinstance(item, dict) else item.__dict__
    return tuple(
        (raw.get(k) or None) if k in ("pii_kind", "masking_rule") else raw.get(k) for k in ITEM_KEYS
    )
