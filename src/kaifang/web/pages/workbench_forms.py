"""The workbench dataset form: what it posts, how it becomes DatasetIn/DatasetPatch, its errors."""

from __future__ import annotations

import datetime as dt
from itertools import zip_longest
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from kaifang.catalog.models import Dataset
from kaifang.catalog.schemas import DatasetIn, DatasetPatch
from kaifang.errors import DomainError
from kaifang.web.pages.presenters import split_keywords

BLANK_ITEM_ROWS = 3
ITEM_KEYS = (
    "label",
    "name",
    "data_type",
    "open_attribute",
    "grade",
    "masking_rule",
    "description",
    "pii_kind",
    "length",
    "precision",
)
TEXT_FIELDS = (
    "title",
    "summary",
    "update_frequency",
    "open_attribute",
    "licence",
    "spatial_coverage",
    "contact_name",
    "contact_phone",
    "contact_email",
    "source_system",
)
# The service names vocabulary fields by their Chinese label in error details.
SERVICE_FIELDS = {
    "更新频率": "update_frequency",
    "基础信息资源分类": "base_class",
    "开放协议": "licence",
    "开放领域": "domains",
    "数据格式": "formats",
    "organization_id": "organization_id",
    "region_code": "region_code",
}
GENERAL = "__all__"


class DatasetForm(BaseModel):
    """Every field of the dataset form; the item editor posts one value per row and column."""

    title: str = Field(default="", max_length=400)
    summary: str = Field(default="", max_length=10000)
    organization_id: str = Field(default="", max_length=20)
    region_code: str = Field(default="", max_length=12)
    domains: list[str] = Field(default_factory=list, max_length=50)
    keywords: str = Field(default="", max_length=2000)
    update_frequency: str = Field(default="irregular", max_length=40)
    open_attribute: str = Field(default="unconditional", max_length=20)
    base_class: str = Field(default="", max_length=60)
    licence: str = Field(default="open-agreement", max_length=60)
    temporal_start: str = Field(default="", max_length=10)
    temporal_end: str = Field(default="", max_length=10)
    spatial_coverage: str = Field(default="", max_length=400)
    contact_name: str = Field(default="", max_length=200)
    contact_phone: str = Field(default="", max_length=80)
    contact_email: str = Field(default="", max_length=400)
    source_system: str = Field(default="", max_length=400)
    item_label: list[str] = Field(default_factory=list, max_length=2000)
    item_name: list[str] = Field(default_factory=list, max_length=2000)
    item_data_type: list[str] = Field(default_factory=list, max_length=2000)
    item_open_attribute: list[str] = Field(default_factory=list, max_length=2000)
    item_grade: list[str] = Field(default_factory=list, max_length=2000)
    item_masking_rule: list[str] = Field(default_factory=list, max_length=2000)
    item_description: list[str] = Field(default_factory=list, max_length=2000)
    item_pii_kind: list[str] = Field(default_factory=list, max_length=2000)
    item_length: list[str] = Field(default_factory=list, max_length=2000)
    item_precision: list[str] = Field(default_factory=list, max_length=2000)

    def rows(self) -> list[dict[str, str]]:
        """The item editor's rows, blank rows included (so a re-rendered form keeps them)."""
        columns = [getattr(self, f"item_{key}") for key in ITEM_KEYS]
        return [
            dict(zip(ITEM_KEYS, (v or "" for v in values), strict=True))
            for values in zip_longest(*columns, fillvalue="")
        ]

    def filled_rows(self) -> list[dict[str, str]]:
        """The rows that name an item (the rest are the editor's spare rows)."""
        return [r for r in self.rows() if r["label"].strip() or r["name"].strip()]


def form_from_dataset(dataset: Dataset) -> DatasetForm:
    """The form pre-filled with a dataset's current values."""
    values: dict[str, Any] = {f: getattr(dataset, f) or "" for f in TEXT_FIELDS}
    values |= {
        "region_code": dataset.region_code,
        "domains": list(dataset.domains or []),
        "keywords": "、".join(dataset.keywords or []),
        "base_class": dataset.base_class or "",
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else "",
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else "",
    }
    for key in ITEM_KEYS:
        values[f"item_{key}"] = [
            "" if getattr(i, key) is None else str(getattr(i, key)) for i in dataset.items
        ]
    return DatasetForm(**values)


def with_blank_rows(
    rows: list[dict[str, str]], count: int = BLANK_ITEM_ROWS
) -> list[dict[str, str]]:
    """Rows for the editor plus ``count`` empty ones, so rows can be added without JavaScript."""
    blank = {k: "" for k in ITEM_KEYS} | {
        "data_type": "text",
        "open_attribute": "unconditional",
        "grade": "L1",
    }
    return [*rows, *(dict(blank) for _ in range(count))]


def completeness_values(form: DatasetForm) -> dict[str, Any]:
    """The form's values keyed like presenters.CHECKS expect."""
    values: dict[str, Any] = form.model_dump(
        include=set(TEXT_FIELDS) | {"domains", "base_class", "temporal_start"}
    )
    values["keywords"] = form.keywords
    values["item_label"] = [r["label"] for r in form.filled_rows()]
    return values


# --- conversion -----------------------------------------------------------------------------------


def _items(form: DatasetForm) -> list[dict[str, Any]]:
    out = []
    for row in form.filled_rows():
        item: dict[str, Any] = {k: row[k].strip() for k in ("label", "name", "description")}
        item |= {
            "data_type": row["data_type"] or "text",
            "open_attribute": row["open_attribute"] or "unconditional",
            "grade": row["grade"] or "L1",
            "masking_rule": row["masking_rule"].strip() or None,
            "pii_kind": row["pii_kind"].strip() or None,
            "length": int(row["length"]) if row["length"].strip().isdigit() else None,
            "precision": int(row["precision"]) if row["precision"].strip().isdigit() else None,
        }
        out.append(item)
    return out


def form_fields(form: DatasetForm) -> dict[str, Any]:
    """The form as DatasetIn/DatasetPatch keyword arguments (empty optional values as None)."""
    fields: dict[str, Any] = {f: getattr(form, f).strip() for f in TEXT_FIELDS}
    fields |= {
        "domains": [d for d in form.domains if d],
        "keywords": split_keywords(form.keywords),
        "base_class": form.base_class or None,
        "temporal_start": form.temporal_start or None,
        "temporal_end": form.temporal_end or None,
        "items": _items(form),
    }
    return fields


def to_dataset_in(form: DatasetForm, *, organization_id: int | None) -> DatasetIn:
    """A new dataset from the form; raises ValidationError for malformed fields."""
    return DatasetIn(
        **form_fields(form), organization_id=organization_id, region_code=form.region_code or None
    )


def to_patch(form: DatasetForm, dataset: Dataset) -> DatasetPatch:
    """Only the fields the form changes, so revisions and the change log stay precise."""
    current = form_fields(form_from_dataset(dataset))
    wanted = form_fields(form)
    changed = {k: v for k, v in wanted.items() if _normal(v) != _normal(current.get(k))}
    return DatasetPatch(**changed)


def _normal(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value if value not in ("", []) else None


# --- errors -------------------------------------------------------------------------------------


def validation_errors(exc: ValidationError) -> dict[str, str]:
    """Field → message for a Pydantic error; item errors are gathered under ``items``."""
    errors: dict[str, str] = {}
    for problem in exc.errors():
        loc = [str(p) for p in problem.get("loc", ())]
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        if loc and loc[0] == "items" and len(loc) >= 3 and loc[1].isdigit():
            errors.setdefault(
                "items", f"第 {int(loc[1]) + 1} 行 (row {int(loc[1]) + 1}) {loc[2]}: {message}"
            )
        elif loc:
            errors.setdefault(loc[0], message)
    return errors or {GENERAL: str(exc)}


def service_errors(exc: DomainError) -> dict[str, str]:
    """Field → message for a refusal from the catalogue service."""
    details = exc.details if isinstance(exc.details, dict) else {}
    if "item" in details:
        return {"items": exc.message}
    if details.get("missing"):
        return {GENERAL: exc.message}
    field = SERVICE_FIELDS.get(str(details.get("field", "")), str(details.get("field") or ""))
    return {field or GENERAL: exc.message}
