"""Pydantic shapes of conditional opening (input validation and API output)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Channel = Literal["api", "extract", "sandbox"]
APPLICATION_EXAMPLE: dict[str, Any] = {
    "datasets": [{"dataset_id": 1, "items": ["driver_mobile", "driver_name"]}],
    "purpose": "公交准点率研究",
    "scenario": "城市交通运行分析",
    "expected_results": "月度分析报告",
    "target_system": "交通研究平台 v2",
    "channel": "api",
    "period_from": "2026-12-01",
    "period_until": "2027-05-31",
    "security_measures": "专网部署，访问控制，日志审计",
    "agreement_id": 1,
}
APPROVE_EXAMPLE: dict[str, Any] = {
    "comment": "同意，限椒江区数据",
    "grants": [
        {
            "dataset_id": 1,
            "items": ["driver_mobile"],
            "row_filter": "district=椒江区",
            "channels": ["api"],
            "masking": {"driver_mobile": "mask:keep=3,4"},
            "calls_per_day": 1000,
            "rows_per_day": 100000,
        }
    ],
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Strip control characters; markup stays text and is escaped wherever it is shown."""
    return _CONTROL.sub("", value).strip()


class RequestedItems(BaseModel):
    """The conditional items wanted from one dataset."""

    dataset_id: int
    items: list[str] = Field(min_length=1, max_length=200, examples=[["driver_mobile"]])


class ApplicationIn(BaseModel):
    """What an applicant fills in (申请表); everything but the datasets may be edited later."""

    model_config = ConfigDict(json_schema_extra={"examples": [APPLICATION_EXAMPLE]})

    datasets: list[RequestedItems] = Field(min_length=1, max_length=20)
    purpose: str = Field(default="", max_length=5000, examples=["公交准点率研究"])
    scenario: str = Field(default="", max_length=5000, examples=["城市交通运行分析"])
    expected_results: str = Field(default="", max_length=5000)
    target_system: str = Field(default="", max_length=300, examples=["交通研究平台 v2"])
    channel: Channel = "api"
    period_from: dt.date | None = None
    period_until: dt.date | None = None
    security_measures: str = Field(default="", max_length=5000)
    agreement_id: int | None = Field(default=None, description="the accepted agreement version")
    on_behalf_of_organization: bool = Field(
        default=False, description="officers only: the grant covers their whole organization"
    )

    _clean = field_validator(
        "purpose", "scenario", "expected_results", "target_system", "security_measures"
    )(clean_text)


class ApplicationPatch(BaseModel):
    """Edits of a draft or of a returned application."""

    datasets: list[RequestedItems] | None = Field(default=None, min_length=1, max_length=20)
    purpose: str | None = Field(default=None, max_length=5000)
    scenario: str | None = Field(default=None, max_length=5000)
    expected_results: str | None = Field(default=None, max_length=5000)
    target_system: str | None = Field(default=None, max_length=300)
    channel: Channel | None = None
    period_from: dt.date | None = None
    period_until: dt.date | None = None
    security_measures: str | None = Field(default=None, max_length=5000)
    agreement_id: int | None = None


class ApplicationItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    dataset_id: int
    item_name: str


class ApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    applicant_id: int
    applicant_organization_id: int | None
    account_kind: str
    company_uscc: str | None
    organization_id: int
    region_code: str
    status: str
    purpose: str
    scenario: str
    expected_results: str
    target_system: str
    channel: str
    period_from: dt.date | None
    period_until: dt.date | None
    security_measures: str
    agreement_id: int | None
    previous_grant_id: int | None
    correction_request: str
    decision_reason: str
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    accept_due: dt.date | None
    decision_due: dt.date | None
    escalated_at: dt.datetime | None
    created_at: dt.datetime
    items: list[ApplicationItemOut]
    overdue: str | None = Field(default=None, description="accept or decide: the late step")


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    action: str
    from_status: str
    to_status: str
    comment: str
    actor_id: int | None
    actor_name: str
    actor_role: str
    created_at: dt.datetime


class CommentIn(BaseModel):
    comment: str = Field(default="", max_length=2000)

    _clean = field_validator("comment")(clean_text)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000, examples=["请补充数据安全管理制度"])

    _clean = field_validator("reason")(clean_text)


class ReviewIn(BaseModel):
    """The provider organization's review opinion before the bureau decides."""

    opinion: Literal["approve", "reject"] = "approve"
    comment: str = Field(min_length=2, max_length=2000, examples=["同意开放，建议按月限额"])

    _clean = field_validator("comment")(clean_text)


class GrantTermsIn(BaseModel):
    """The terms of the grant for one dataset; omitted fields follow the application."""

    dataset_id: int
    items: list[str] | None = Field(default=None, description="a subset of the requested items")
    row_filter: str = Field(default="", max_length=2000, examples=["district=椒江区"])
    channels: list[Channel] | None = None
    masking: dict[str, str] = Field(
        default_factory=dict, examples=[{"driver_mobile": "mask:keep=3,4"}]
    )
    calls_per_day: int | None = Field(default=None, ge=1, le=10_000_000)
    rows_per_day: int | None = Field(default=None, ge=1, le=10_000_000_000)
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    report_interval_days: int = Field(default=90, ge=7, le=366)


class ApproveIn(BaseModel):
    """The decision: a comment and per-dataset terms (none = everything requested, as asked)."""

    model_config = ConfigDict(json_schema_extra={"examples": [APPROVE_EXAMPLE]})
    comment: str = Field(default="", max_length=2000)
    grants: list[GrantTermsIn] = Field(default_factory=list, max_length=20)


class GrantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    application_id: int
    dataset_id: int
    organization_id: int
    grantee_user_id: int
    grantee_organization_id: int | None
    items: list[str]
    row_filter: str
    channels: list[str]
    masking: dict[str, str]
    calls_per_day: int | None
    rows_per_day: int | None
    valid_from: dt.datetime
    valid_until: dt.datetime
    status: str
    status_reason: str
    report_interval_days: int
    next_report_due: dt.date | None
    report_overdue: bool = False


class UsageReportIn(BaseModel):
    used_for: str = Field(min_length=2, max_length=5000, examples=["用于公交准点率月报"])
    results: str = Field(default="", max_length=5000)
    incidents: str = Field(default="", max_length=5000, examples=["无"])

    _clean = field_validator("used_for", "results", "incidents")(clean_text)


class UsageReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    grant_id: int
    submitted_by: int
    used_for: str
    results: str
    incidents: str
    created_at: dt.datetime


class AgreementIn(BaseModel):
    title: str = Field(default="", max_length=200)
    agreement_text: str = Field(min_length=10, max_length=50_000)
    commitment_text: str = Field(min_length=10, max_length=50_000)


class AgreementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    title: str
    agreement_text: str
    commitment_text: str
    created_at: dt.datetime


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    application_id: int
    filename: str
    content_type: str
    size_bytes: int
    created_at: dt.datetime


class ApiKeyIn(BaseModel):
    name: str = Field(default="", max_length=100, examples=["交通研究平台"])
    scopes: list[str] = Field(default_factory=lambda: ["data:read"], max_length=10)
    expires_days: int | None = Field(default=365, ge=1, le=3650)
    for_organization: bool = Field(
        default=False, description="officers: a key of their organization"
    )


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    app_key: str
    name: str
    scopes: list[str]
    organization_id: int | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    rotated_from_id: int | None


class ApiKeyCreated(ApiKeyOut):
    secret: str = Field(description="shown once; use `Bearer <app_key>.<secret>` or HMAC signing")


class CallLogOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key_id: int | None
    user_id: int | None
    dataset_id: int | None
    items: list[str]
    rows: int
    status: int
    latency_ms: int
    channel: str
    created_at: dt.datetime


class SLAOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    organization_id: int
    accepted: int
    median_accept_working_days: float | None
    accept_on_time_share: float | None
    decided: int
    median_decide_working_days: float | None
    decide_on_time_share: float | None
    overdue_now: int
