"""Open-list use cases: import, catalogue links, editing, submit/approve/return and export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization
from kaifang.auth.policy import Target, can
from kaifang.auth.service import authorize
from kaifang.catalog.models import Dataset
from kaifang.db import utcnow
from kaifang.errors import Conflict, InvalidInput, NotFound
from kaifang.governance.models import OpenList, OpenListRow
from kaifang.governance.openlists.parsing import (
    EDITABLE_FIELDS,
    ParsedRow,
    normalise,
    parse_month,
    parse_rows,
    read_rows,
    split_items,
)
from kaifang.governance.openlists.state import open_list_table
from kaifang.governance.render import to_xlsx

# --- importing ------------------------------------------------------------------------------


def _organizations_by_name(session: Session) -> dict[str, Organization]:
    return {normalise(o.name): o for o in session.scalars(select(Organization))}


def _assign_organizations(
    session: Session, rows: list[ParsedRow], organization_id: int | None
) -> dict[int, Organization]:
    by_name = _organizations_by_name(session)
    fixed = session.get(Organization, organization_id) if organization_id else None
    if organization_id and fixed is None:
        raise NotFound("单位不存在 (organization not found)")
    owners: dict[int, Organization] = {}
    for row in rows:
        org = by_name.get(normalise(row.organization)) if row.organization else fixed
        if org is None:
            row.errors.append(f"单位「{row.organization}」不存在 (unknown organization)")
        elif fixed is not None and org.id != fixed.id:
            row.errors.append(
                f"单位「{row.organization}」不是「{fixed.name}」(row belongs to another organization)"
            )
        else:
            owners[row.line] = org
    return owners


def _check_duplicates(rows: list[ParsedRow], owners: dict[int, Organization]) -> None:
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        org = owners.get(row.line)
        if org is None or not row.dataset_name:
            continue
        key = (org.id, normalise(row.dataset_name))
        if key in seen:
            row.errors.append(
                f"与第{seen[key]}行数据集重复 (duplicate of the dataset in row {seen[key]})"
            )
        seen.setdefault(key, row.line)


def _raise_row_errors(rows: list[ParsedRow]) -> None:
    bad = [r for r in rows if r.errors]
    if bad:
        first = bad[0]
        raise InvalidInput(
            f"第{first.line}行有误，未导入任何数据 (row {first.line} is invalid; nothing was"
            f" imported): {'; '.join(first.errors)}",
            details={"rows": [{"row": r.line, "errors": r.errors} for r in bad]},
        )


def _list_for(session: Session, organization_id: int, year: int) -> OpenList | None:
    return session.scalars(
        select(OpenList).where(OpenList.organization_id == organization_id, OpenList.year == year)
    ).first()


def org_target(org: Organization) -> Target:
    """The policy target for an organization's records."""
    return Target(organization_id=org.id, region_code=org.region_code)


def import_open_list(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    year: int,
    organization_id: int | None = None,
) -> list[OpenList]:
    """Replace the draft lists of the organizations in the file; InvalidInput names bad rows."""
    rows = parse_rows(read_rows(data, filename), year)
    owners = _assign_organizations(session, rows, organization_id)
    _check_duplicates(rows, owners)
    _raise_row_errors(rows)
    orgs = {o.id: o for o in owners.values()}
    for org in orgs.values():
        authorize(actor, "openlist.edit", org_target(org))
        existing = _list_for(session, org.id, year)
        if existing is not None and existing.status != "draft":
            raise Conflict(
                f"「{org.name}」{year}年清单已{existing.status}，不能覆盖"
                " (only a draft list can be replaced)"
            )
    return [
        _write_list(
            session, actor, org, year, [r for r in rows if owners[r.line].id == org.id], filename
        )
        for org in orgs.values()
    ]


def _write_list(
    session: Session,
    actor: Actor,
    org: Organization,
    year: int,
    rows: list[ParsedRow],
    filename: str,
) -> OpenList:
    open_list = _list_for(session, org.id, year)
    if open_list is None:
        open_list = OpenList(organization_id=org.id, year=year, status="draft")
        session.add(open_list)
    open_list.rows = [_row_model(i, r) for i, r in enumerate(rows)]
    open_list.source_name, open_list.modified_at = filename[:300], utcnow()
    session.flush()
    suggest_links(session, open_list=open_list)
    audit_service.record(
        session,
        action="openlist.import",
        actor=actor,
        object_type="open_list",
        object_id=open_list.id,
        details={"organization_id": org.id, "year": year, "rows": len(rows), "file": filename},
    )
    return open_list


def _row_model(position: int, row: ParsedRow) -> OpenListRow:
    return OpenListRow(
        position=position,
        domain=row.domain[:60],
        dataset_name=row.dataset_name,
        catalog_code=row.catalog_code[:40],
        unconditional_items=row.unconditional_items,
        conditional_items=row.conditional_items,
        planned_month=row.planned_month,
    )


# --- matching with the catalogue ------------------------------------------------------------


def match_dataset(candidates: Sequence[Dataset], row: OpenListRow) -> tuple[Dataset, str] | None:
    """The dataset a row most likely means: by catalogue code, exact name, then normalised name."""
    if row.catalog_code:
        for ds in candidates:
            if ds.catalog_code == row.catalog_code:
                return ds, "code"
    for ds in candidates:
        if ds.title.strip() == row.dataset_name.strip():
            return ds, "name"
    wanted = normalise(row.dataset_name)
    for ds in candidates:
        if normalise(ds.title) == wanted:
            return ds, "normalised"
    return None


def suggest_links(session: Session, *, open_list: OpenList) -> int:
    """Propose (unconfirmed) links for unlinked rows; returns how many were proposed."""
    candidates = session.scalars(
        select(Dataset)
        .where(Dataset.organization_id == open_list.organization_id)
        .where(Dataset.status.not_in(("withdrawn", "rejected")))
        .order_by(Dataset.id)
    ).all()
    proposed = 0
    for row in open_list.rows:
        if row.link_confirmed:
            continue
        found = match_dataset(candidates, row)
        row.dataset_id, row.match_method = (found[0].id, found[1]) if found else (None, "")
        proposed += found is not None
    return proposed


def _load_row(session: Session, actor: Actor, row_id: int, action: str) -> OpenListRow:
    row = session.get(OpenListRow, row_id)
    if row is None:
        raise NotFound("清单行不存在 (open-list row not found)")
    authorize(actor, action, org_target(row.open_list.organization))
    return row


def link_row(
    session: Session, *, actor: Actor, row_id: int, dataset_id: int | None = None
) -> OpenListRow:
    """Confirm the proposed link, or link the given dataset of the same organization."""
    row = _load_row(session, actor, row_id, "openlist.edit")
    if dataset_id is not None:
        ds = session.get(Dataset, dataset_id)
        if ds is None or ds.organization_id != row.open_list.organization_id:
            raise InvalidInput(
                "只能关联本单位的数据集 (link a dataset of the same organization)",
                details={"field": "dataset_id"},
            )
        row.dataset_id, row.match_method = ds.id, "manual"
    if row.dataset_id is None:
        raise InvalidInput("没有可确认的关联 (no proposed link to confirm)")
    row.link_confirmed = True
    _audit_row(session, actor, row, "openlist.link", {"dataset_id": row.dataset_id})
    return row


def unlink_row(session: Session, *, actor: Actor, row_id: int) -> OpenListRow:
    """Remove a row's link to the catalogue."""
    row = _load_row(session, actor, row_id, "openlist.edit")
    row.dataset_id, row.match_method, row.link_confirmed = None, "", False
    _audit_row(session, actor, row, "openlist.unlink", {})
    return row


def _audit_row(
    session: Session, actor: Actor, row: OpenListRow, action: str, details: dict[str, Any]
) -> None:
    audit_service.record(
        session,
        action=action,
        actor=actor,
        object_type="open_list_row",
        object_id=row.id,
        details={"open_list_id": row.open_list_id, **details},
    )


def update_row(
    session: Session, *, actor: Actor, row_id: int, changes: dict[str, Any]
) -> OpenListRow:
    """Edit a draft list's row (domain, name, items, planned month); Conflict once submitted."""
    row = _load_row(session, actor, row_id, "openlist.edit")
    if row.open_list.status != "draft":
        raise Conflict("只有草稿清单可以修改 (only a draft list can be edited)")
    for key, value in changes.items():
        if key == "planned_month":
            row.planned_month = parse_month(value, row.open_list.year)
        elif key in ("unconditional_items", "conditional_items"):
            setattr(row, key, split_items("、".join(value) if isinstance(value, list) else value))
        elif key in EDITABLE_FIELDS and str(value).strip():
            setattr(row, key, str(value).strip())
    row.open_list.modified_at = utcnow()
    _audit_row(session, actor, row, "openlist.edit", {"fields": sorted(changes)})
    return row


# --- workflow -------------------------------------------------------------------------------


def get_open_list(session: Session, *, actor: Actor, open_list_id: int) -> OpenList:
    """A list the actor may read; NotFound otherwise."""
    open_list = session.get(OpenList, open_list_id)
    if open_list is None:
        raise NotFound("清单不存在 (open list not found)")
    authorize(actor, "openlist.read", org_target(open_list.organization))
    return open_list


def list_open_lists(
    session: Session, *, actor: Actor, year: int, organization_id: int | None = None
) -> list[OpenList]:
    """The year's lists the actor may read, by organization name."""
    stmt = select(OpenList).where(OpenList.year == year).order_by(OpenList.organization_id)
    if organization_id is not None:
        stmt = stmt.where(OpenList.organization_id == organization_id)
    rows = session.scalars(stmt).unique().all()
    return [r for r in rows if can(actor, "openlist.read", org_target(r.organization))]


def _transition(
    session: Session,
    actor: Actor,
    open_list_id: int,
    action: str,
    allowed: tuple[str, ...],
    to: str,
) -> OpenList:
    open_list = session.get(OpenList, open_list_id)
    if open_list is None:
        raise NotFound("清单不存在 (open list not found)")
    policy_action = "openlist.approve" if action in ("approve", "return") else "openlist.edit"
    authorize(actor, policy_action, org_target(open_list.organization))
    if open_list.status not in allowed:
        raise Conflict(
            f"清单当前状态为 {open_list.status}，不能{action} (cannot {action} from this state)"
        )
    before, open_list.status, open_list.modified_at = open_list.status, to, utcnow()
    audit_service.record(
        session,
        action=f"openlist.{action}",
        actor=actor,
        object_type="open_list",
        object_id=open_list.id,
        details={"from": before, "to": to, "year": open_list.year},
    )
    return open_list


def submit_open_list(session: Session, *, actor: Actor, open_list_id: int) -> OpenList:
    """Draft → submitted by the organization; Conflict from any other state."""
    open_list = _transition(session, actor, open_list_id, "submit", ("draft",), "submitted")
    if not open_list.rows:
        raise InvalidInput("空清单不能提交 (an empty list cannot be submitted)")
    open_list.submitted_at = utcnow()
    return open_list


def approve_open_list(session: Session, *, actor: Actor, open_list_id: int) -> OpenList:
    """Submitted → approved by the bureau; Conflict from any other state."""
    open_list = _transition(session, actor, open_list_id, "approve", ("submitted",), "approved")
    open_list.approved_at, open_list.approved_by = utcnow(), actor.user_id
    return open_list


def return_open_list(session: Session, *, actor: Actor, open_list_id: int) -> OpenList:
    """Send a submitted or approved list back to draft for changes."""
    return _transition(session, actor, open_list_id, "return", ("submitted", "approved"), "draft")


def export_open_lists(
    session: Session,
    *,
    actor: Actor,
    year: int,
    organization_id: int | None = None,
    as_of: dt.date | None = None,
) -> bytes:
    """An XLSX of the readable lists in the bureau's columns (re-importable as is)."""
    lists = list_open_lists(session, actor=actor, year=year, organization_id=organization_id)
    return to_xlsx([open_list_table(session, lists, as_of or dt.date.today())])
