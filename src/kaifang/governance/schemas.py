"""Pydantic inputs and outputs of the governance API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class RowPatch(BaseModel):
    """Editable fields of an open-list row; absent fields stay as they are."""

    domain: str | None = Field(default=None, max_length=60)
    dataset_name: str | None = Field(default=None, max_length=200)
    unconditional_items: list[str] | None = None
    conditional_items: list[str] | None = None
    planned_month: str | None = Field(default=None, max_length=20)


class LinkIn(BaseModel):
    """Confirm the proposed link (no dataset_id) or link another dataset."""

    dataset_id: int | None = None


class ReadinessIn(BaseModel):
    """A readiness score (0-100) with its evidence link, for an organization or region."""

    indicator: str
    value: float
    evidence_url: str = Field(max_length=2000)
    organization_id: int | None = None
    region_code: str | None = None
    note: str = Field(default="", max_length=1000)


class ComputeIn(BaseModel):
    """Index computation date and optional weight overrides (layer or indicator codes)."""

    as_of: dt.date | None = None
    weights: dict[str, float] | None = None


class OpenListRowOut(BaseModel):
    """One open-list row as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    domain: str
    dataset_name: str
    catalog_code: str
    unconditional_items: list[str]
    conditional_items: list[str]
    planned_month: str
    dataset_id: int | None
    match_method: str
    link_confirmed: bool


class OpenListOut(BaseModel):
    """An open list with its rows."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    organization_id: int
    year: int
    status: str
    source_name: str
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    rows: list[OpenListRowOut] = []


class StoreReportIn(BaseModel):
    """Which report to generate and keep."""

    period: str = Field(max_length=10, description="2021-06 or 2021-Q2")
    organization_id: int | None = None
    region_code: str | None = Field(default=None, max_length=12)
    format: Literal["html", "pdf", "xlsx"] = "pdf"


class StoredReportOut(BaseModel):
    """A stored report as listed: what it covers and when it was generated."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    period: str
    scope_key: str
    organization_id: int | None
    region_code: str | None
    format: str
    title: str
    size_bytes: int
    trigger: str
    generated_at: dt.datetime


def open_list_out(open_list: Any) -> OpenListOut:
    """The API view of an open list."""
    return OpenListOut.model_validate(open_list)
