"""Row done-ness: a row is DONE when its confirmed catalogue dataset is published with every planned item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.catalog.models import Dataset
from kaifang.governance.models import OpenList, OpenListRow
from kaifang.governance.openlists.parsing import COLUMNS, OPTIONAL_COLUMNS, normalise
from kaifang.governance.render import Table

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class RowState:
    """Whether a row is done as of a date, and what is still missing."""

    done: bool
    reason: str
    missing_items: tuple[str, ...] = ()


# --- done-ness ------------------------------------------------------------------------------


def china_date(moment: dt.datetime) -> dt.date:
    """The calendar date in China of a stored (UTC) timestamp."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA).date()


def row_state(row: OpenListRow, dataset: Dataset | None, as_of: dt.date) -> RowState:
    """DONE when the confirmed dataset was published by ``as_of`` and has every listed item."""
    if dataset is None or not row.link_confirmed:
        return RowState(False, "unlinked")
    published = dataset.first_published_at
    if dataset.status != "published" or published is None or china_date(published) > as_of:
        return RowState(False, "not_published")
    have = {normalise(i.label) for i in dataset.items}
    listed = [*row.unconditional_items, *row.conditional_items]
    missing = tuple(i for i in listed if normalise(i) not in have)
    return RowState(not missing, "missing_items" if missing else "done", missing)


def linked_datasets(session: Session, rows: Sequence[OpenListRow]) -> dict[int, Dataset]:
    """The datasets rows link to, by id, loaded in one query."""
    ids = {r.dataset_id for r in rows if r.dataset_id is not None}
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(Dataset).where(Dataset.id.in_(ids)))}


# --- export ---------------------------------------------------------------------------------


def open_list_table(session: Session, lists: Sequence[OpenList], as_of: dt.date) -> Table:
    """The bureau's columns plus catalogue code, link and done state, for export."""
    rows = [r for ol in lists for r in ol.rows]
    datasets = linked_datasets(session, rows)
    out = []
    for ol in lists:
        for r in ol.rows:
            ds = datasets.get(r.dataset_id) if r.dataset_id else None
            state = row_state(r, ds, as_of)
            out.append(
                {
                    "organization": ol.organization.name,
                    "domain": r.domain,
                    "dataset_name": r.dataset_name,
                    "unconditional_items": r.unconditional_items,
                    "conditional_items": r.conditional_items,
                    "planned_month": r.planned_month,
                    "catalog_code": ds.catalog_code if ds else r.catalog_code,
                    "link": "已确认" if r.link_confirmed else ("待确认" if ds else ""),
                    "state": state.reason,
                }
            )
    columns = (*COLUMNS, *OPTIONAL_COLUMNS, ("link", "关联状态"), ("state", "完成情况"))
    return Table("开放清单", columns, out)
