"""Pydantic shapes of harvest sources and runs (input validation and API output)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SourceKind = Literal["ckan", "dcat"]
Schedule = Literal["manual", "daily", "weekly"]


class SourceFilters(BaseModel):
    """Optional filters: CKAN ``q``/``fq``, a map from remote group/theme names to domains, and
    whether records go to the organization of the region named as their publisher."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(default="", max_length=1000)
    fq: str = Field(default="", max_length=1000)
    domain_map: dict[str, str] = Field(default_factory=dict, max_length=200)
    match_publishers: bool = False


class SourceIn(BaseModel):
    """What an administrator supplies to register a source."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=100, examples=["椒江区开放平台"])
    kind: SourceKind = Field(examples=["ckan"])
    url: str = Field(min_length=8, max_length=2000, examples=["https://data.example.gov.cn"])
    organization_id: int
    region_code: str | None = Field(default=None, max_length=12)
    schedule: Schedule = "manual"
    filters: SourceFilters = Field(default_factory=SourceFilters)
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        v = v.strip()
        if not v.lower().startswith(("http://", "https://")):
            raise ValueError("只支持 http/https 地址 (http/https only)")
        return v

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()


class SourcePatch(BaseModel):
    """A partial update of a source."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=2, max_length=100)
    url: str | None = Field(default=None, min_length=8, max_length=2000)
    schedule: Schedule | None = None
    filters: SourceFilters | None = None
    enabled: bool | None = None

    _url = field_validator("url")(lambda v: SourceIn._http_url(v) if v is not None else v)


class SourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    url: str
    organization_id: int
    region_code: str
    schedule: str
    filters: dict[str, Any]
    enabled: bool
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source_id: int
    job_id: int | None
    trigger: str
    period_key: str | None
    status: str
    created: int
    updated: int
    unchanged: int
    deleted: int
    failed: int
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class RunReportOut(RunOut):
    """A run with its per-record report."""

    report: list[dict[str, Any]]
