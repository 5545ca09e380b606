"""Pydantic shapes of the catalogue (input validation and API output)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

OpenAttribute = Literal["unconditional", "conditional", "closed"]
Grade = Literal["L1", "L2", "L3", "L4"]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FIELD_NAME = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff.\-]{0,99}$")


def clean_text(value: str) -> str:
    """Strip control characters; HTML is kept as text and escaped when shown."""
    return _CONTROL.sub("", value).strip()


class DataItemIn(BaseModel):
    label: str = Field(min_length=1, max_length=100, examples=["线路名称"])
    name: str = Field(min_length=1, max_length=100, examples=["line_name"])
    data_type: Literal["text", "integer", "decimal", "boolean", "date", "datetime", "geometry"] = (
        "text"
    )
    length: int | None = Field(default=None, ge=0, le=1_000_000)
    precision: int | None = Field(default=None, ge=0, le=100)
    description: str = Field(default="", max_length=1000)
    open_attribute: OpenAttribute = "unconditional"
    grade: Grade = "L1"
    pii_kind: str | None = Field(default=None, max_length=30)
    masking_rule: str | None = Field(default=None, max_length=100)

    _clean = field_validator("label", "description", mode="after")(clean_text)

    @field_validator("name")
    @classmethod
    def _name_shape(cls, v: str) -> str:
        v = clean_text(v)
        if not _FIELD_NAME.match(v):
            raise ValueError("字段名只能包含字母、数字、下划线或中文 (invalid field name)")
        return v


class DatasetIn(BaseModel):
    """Fields an officer supplies; codes and labels of vocabularies are both accepted."""

    title: str = Field(min_length=2, max_length=200, examples=["台州市公交线路信息"])
    summary: str = Field(default="", max_length=5000)
    organization_id: int | None = None
    region_code: str | None = Field(default=None, max_length=12)
    catalog_code: str | None = Field(default=None, max_length=40)
    base_class: str | None = Field(default=None, max_length=60)
    domains: list[str] = Field(default_factory=list, max_length=10, examples=[["交通出行"]])
    keywords: list[str] = Field(default_factory=list, max_length=30)
    open_attribute: OpenAttribute = "unconditional"
    update_frequency: str = Field(default="irregular", max_length=20, examples=["monthly"])
    formats: list[str] = Field(default_factory=list, max_length=20)
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    spatial_coverage: str = Field(default="", max_length=200)
    licence: str = Field(default="open-agreement", max_length=60)
    contact_name: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=40)
    contact_email: str = Field(default="", max_length=200)
    source_system: str = Field(default="", max_length=200)
    items: list[DataItemIn] | None = Field(default=None, max_length=2000)

    _clean = field_validator(
        "title", "summary", "spatial_coverage", "contact_name", "source_system", mode="after"
    )(clean_text)

    @field_validator("keywords", "domains", "formats", mode="after")
    @classmethod
    def _clean_list(cls, v: list[str]) -> list[str]:
        out = [clean_text(x)[:50] for x in v]
        return list(dict.fromkeys(x for x in out if x))


class DatasetPatch(BaseModel):
    """A partial update: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=2, max_length=200)
    summary: str | None = Field(default=None, max_length=5000)
    base_class: str | None = Field(default=None, max_length=60)
    domains: list[str] | None = Field(default=None, max_length=10)
    keywords: list[str] | None = Field(default=None, max_length=30)
    open_attribute: OpenAttribute | None = None
    update_frequency: str | None = Field(default=None, max_length=20)
    formats: list[str] | None = Field(default=None, max_length=20)
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    spatial_coverage: str | None = Field(default=None, max_length=200)
    licence: str | None = Field(default=None, max_length=60)
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=40)
    contact_email: str | None = Field(default=None, max_length=200)
    source_system: str | None = Field(default=None, max_length=200)
    items: list[DataItemIn] | None = Field(default=None, max_length=2000)

    _clean = field_validator(
        "title", "summary", "spatial_coverage", "contact_name", "source_system", mode="after"
    )(lambda v: clean_text(v) if isinstance(v, str) else v)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000)


class CommentIn(BaseModel):
    comment: str = Field(default="", max_length=2000)


class DataItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    label: str
    name: str
    data_type: str
    length: int | None
    precision: int | None
    description: str
    open_attribute: str
    grade: str
    pii_kind: str | None
    masking_rule: str | None


class ResourceVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int
    sha256: str
    size_bytes: int
    row_count: int
    source_name: str
    created_at: dt.datetime


class ResourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    format: str
    url: str
    description: str
    current_version_id: int | None
    created_at: dt.datetime
    modified_at: dt.datetime
    versions: list[ResourceVersionOut] = []
    link_status: str | None = None
    link_detail: str = ""
    link_checked_at: dt.datetime | None = None


class OrganizationRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    slug: str
    region_code: str


class DatasetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    catalog_code: str
    title: str
    summary: str
    organization: OrganizationRef
    region_code: str
    base_class: str | None
    domains: list[str]
    keywords: list[str]
    open_attribute: str
    grade: str
    update_frequency: str
    formats: list[str]
    temporal_start: dt.date | None
    temporal_end: dt.date | None
    spatial_coverage: str
    licence: str
    contact_name: str
    contact_phone: str
    contact_email: str
    source_system: str
    status: str
    first_published_at: dt.datetime | None
    last_updated_at: dt.datetime | None
    created_at: dt.datetime
    modified_at: dt.datetime
    row_count: int
    item_count: int
    resource_count: int
    size_bytes: int
    views: int
    downloads: int
    api_calls: int
    duplicate_of_id: int | None
    duplicate_note: str
    is_demo: bool
    items: list[DataItemOut] = []
    resources: list[ResourceOut] = []


class WorkflowEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    action: str
    from_status: str
    to_status: str
    comment: str
    actor_name: str
    created_at: dt.datetime
    revision_id: int | None


class FieldChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    field: str
    old_value: Any
    new_value: Any
    actor_name: str
    created_at: dt.datetime
