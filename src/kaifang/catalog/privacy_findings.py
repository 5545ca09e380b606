"""The privacy scan's findings per data item, and applying a finding's suggestion in one step.

Every ingested version keeps the per-column findings of the privacy engine (kind, confidence,
masked evidence, suggested grade, open attribute and masking rule). The workbench shows the
findings of the current versions next to the items; applying one sets the item's grade,
open attribute, masking rule and PII kind through the ordinary edit (a draft changes in
place, a published dataset stages a revision), so it is audited like any other edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.catalog.models import Dataset, DatasetRevision
from kaifang.catalog.schemas import DataItemIn, DatasetPatch
from kaifang.catalog.service import get_dataset, open_revision, update_dataset
from kaifang.errors import NotFound

_ITEM_FIELDS = tuple(DataItemIn.model_fields)


@dataclass(frozen=True)
class ItemFinding:
    """One column's finding, the item it belongs to and whether the item already follows it."""

    column: str
    kind: str
    confidence: float
    evidence: dict[str, Any]
    suggested_grade: str
    suggested_open_attribute: str
    suggested_masking: str
    item_label: str | None
    applied: bool


def _current_findings(dataset: Dataset) -> dict[str, dict[str, Any]]:
    """The findings with a kind, per column, from every resource's current version."""
    found: dict[str, dict[str, Any]] = {}
    for resource in dataset.resources:
        current = next((v for v in resource.versions if v.id == resource.current_version_id), None)
        for finding in (current.privacy if current is not None else None) or []:
            if finding.get("kind") and finding.get("column"):
                found.setdefault(str(finding["column"]), finding)
    return found


def _follows(item: Any, finding: dict[str, Any]) -> bool:
    return bool(
        item is not None
        and item.grade == finding.get("suggested_grade")
        and item.open_attribute == finding.get("suggested_open_attribute")
        and (item.masking_rule or "keep") == (finding.get("suggested_masking") or "keep")
    )


def item_findings(dataset: Dataset) -> list[ItemFinding]:
    """Return the current privacy findings of ``dataset``, strongest first."""
    items = {item.name: item for item in dataset.items}
    out = []
    for column, f in _current_findings(dataset).items():
        item = items.get(column)
        out.append(
            ItemFinding(
                column=column,
                kind=str(f["kind"]),
                confidence=float(f.get("confidence") or 0.0),
                evidence=dict(f.get("evidence") or {}),
                suggested_grade=str(f.get("suggested_grade") or "L1"),
                suggested_open_attribute=str(f.get("suggested_open_attribute") or "unconditional"),
                suggested_masking=str(f.get("suggested_masking") or "keep"),
                item_label=item.label if item is not None else None,
                applied=_follows(item, f),
            )
        )
    return sorted(out, key=lambda finding: (-finding.confidence, finding.column))


def _base_items(session: Session, dataset: Dataset) -> list[dict[str, Any]]:
    """The items an edit starts from: a pending revision's, else the dataset's own."""
    revision: DatasetRevision | None = open_revision(session, dataset.id)
    if revision is not None and "items" in (revision.changes or {}):
        return [dict(item) for item in revision.changes["items"]]
    return [{key: getattr(item, key) for key in _ITEM_FIELDS} for item in dataset.items]


def apply_privacy_suggestion(
    session: Session, *, actor: Actor, dataset_id: int, column: str
) -> tuple[Dataset, DatasetRevision | None]:
    """Give the column's item the finding's grade, attribute, masking and kind; NotFound if none."""
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    finding = _current_findings(dataset).get(column)
    if finding is None:
        raise NotFound("该字段没有隐私发现 (no privacy finding for this column)")
    suggestion = {
        "grade": finding.get("suggested_grade") or "L1",
        "open_attribute": finding.get("suggested_open_attribute") or "unconditional",
        "masking_rule": finding.get("suggested_masking") or "keep",
        "pii_kind": finding["kind"],
    }
    items = _base_items(session, dataset)
    target = next((item for item in items if item.get("name") == column), None)
    if target is None:
        items.append({"label": column[:100], "name": column, **suggestion})
    else:
        target.update(suggestion)
    patch = DatasetPatch(items=[DataItemIn.model_validate(item) for item in items])
    return update_dataset(session, actor=actor, dataset_id=dataset_id, patch=patch)
