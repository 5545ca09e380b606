"""Pydantic shapes of feedback work orders (input validation and API output)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kaifang.access.schemas import clean_text

Kind = Literal["error_report", "consultation", "data_request", "complaint"]


class FeedbackIn(BaseModel):
    """What a visitor sends: an error report, a question, a data request or a complaint."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "error_report",
                    "dataset_id": 1,
                    "title": "站点坐标有误",
                    "body": "编号 0107 的站点经纬度落在海里，请核实。",
                    "contact": "dev@example.com",
                    "public": True,
                }
            ]
        }
    )

    kind: Kind
    title: str = Field(min_length=4, max_length=200)
    body: str = Field(min_length=10, max_length=5000)
    contact: str = Field(default="", max_length=200)
    public: bool = True
    dataset_id: int | None = None
    organization_id: int | None = None

    @field_validator("title", "body", "contact")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value)


class AnswerIn(BaseModel):
    """The provider's answer to a work order."""

    answer: str = Field(min_length=2, max_length=5000)

    @field_validator("answer")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value)


class CommentIn(BaseModel):
    """A short note when closing or reopening a work order."""

    comment: str = Field(default="", max_length=2000)

    @field_validator("comment")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value)


class AssignIn(BaseModel):
    """The provider organization a bureau reviewer routes an unassigned work order to."""

    organization_id: int


class WorkOrderOut(BaseModel):
    """A work order as its submitter and the staff who handle it see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    title: str
    body: str
    public: bool
    dataset_id: int | None
    organization_id: int | None
    answer: str
    due_date: dt.date | None
    overdue: bool = False
    reopen_count: int
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None


class PublicAnswerOut(BaseModel):
    """An answered, publishable work order as the public sees it (no contact, no submitter)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    body: str
    answer: str
    answered_at: dt.datetime | None
