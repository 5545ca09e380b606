"""Pydantic shapes for the accounts and tenancy API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    username: str = Field(max_length=150, examples=["officer"])
    password: str = Field(max_length=500, examples=["demo-password"])


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    organization_id: int | None
    region_code: str | None
    account_kind: str


class RegisterIn(BaseModel):
    username: str = Field(max_length=150)
    password: str = Field(min_length=8, max_length=500)
    display_name: str = Field(default="", max_length=150)
    account_kind: str = Field(default="individual", pattern="^(individual|organization)$")
    company_uscc: str | None = Field(default=None, max_length=18)


class UserCreateIn(RegisterIn):
    role: str = Field(default="user")
    organization_id: int | None = None
    region_code: str | None = None


class TokenIn(BaseModel):
    name: str = Field(default="", max_length=100)
    expires_days: int | None = Field(default=90, ge=1, le=3650)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    token: str


class RegionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    parent_code: str | None
    level: int


class RegionIn(BaseModel):
    code: str = Field(max_length=12, examples=["331002"])
    name: str = Field(max_length=100, examples=["椒江区"])
    parent_code: str | None = Field(default=None, max_length=12)


class OrganizationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    slug: str
    uscc: str | None
    region_code: str
    kind: str
    is_demo: bool
    review_chain: str | None = None


class OrganizationIn(BaseModel):
    name: str = Field(max_length=200, examples=["市交通运输局"])
    slug: str = Field(max_length=100, pattern="^[a-z0-9-]+$", examples=["jtj"])
    region_code: str = Field(max_length=12, examples=["3310"])
    uscc: str | None = Field(default=None, max_length=18)
    kind: str = Field(default="department", max_length=20)


class ReviewChainIn(BaseModel):
    """Who decides the organization's conditional-open applications; null: the platform's."""

    review_chain: Literal["provider", "provider,bureau"] | None = Field(
        examples=["provider,bureau"]
    )


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: dt.datetime
    actor_id: int | None
    actor_name: str
    role: str
    tenant: str
    action: str
    object_type: str
    object_id: str
    outcome: str
    ip: str
    request_id: str
    chain_seq: int | None
    hash: str | None
