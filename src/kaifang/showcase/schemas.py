"""Pydantic shapes of the app showcase."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kaifang.access.schemas import clean_text


class AppIn(BaseModel):
    """An app submission: what it is, where it lives and which datasets it uses."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "台州公交到站",
                    "description": "基于公交站点与线路数据的实时到站查询小程序。",
                    "url": "https://example.com/bus",
                    "dataset_ids": [1],
                }
            ]
        }
    )

    name: str = Field(min_length=2, max_length=100)
    description: str = Field(min_length=10, max_length=2000)
    url: str = Field(max_length=500)
    dataset_ids: list[int] = Field(min_length=1, max_length=10)

    @field_validator("name", "description")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value)

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        # Only web addresses: no javascript:, data: or relative links on the public pages.
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("网址必须以 http:// 或 https:// 开头 (must be an http(s) address)")
        return value


class ReviewIn(BaseModel):
    """An admin's decision on a submitted app."""

    approve: bool
    featured: bool = False
    comment: str = Field(default="", max_length=2000)


class AppOut(BaseModel):
    """A showcase app as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    url: str
    status: str
    featured: bool
    dataset_ids: list[int]
    created_at: dt.datetime
