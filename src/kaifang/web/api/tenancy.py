"""Regions, organizations and user administration."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kaifang.access import reviews as access_reviews
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.web.api.schemas import (
    OrganizationIn,
    OrganizationOut,
    RegionIn,
    RegionOut,
    ReviewChainIn,
    UserCreateIn,
    UserOut,
)
from kaifang.web.deps import get_runtime, policy, signed_in_policy

router = APIRouter(prefix="/api/v1", tags=["tenancy"])


@router.get("/regions", dependencies=[policy(None)])
def list_regions(request: Request, parent: str | None = None) -> list[RegionOut]:
    """Divisions of the platform (GB/T 2260 codes), optionally the children of one."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        return [
            RegionOut.model_validate(r)
            for r in auth_service.list_regions(session, parent_code=parent)
        ]


@router.post("/regions", status_code=201)
def create_region(
    body: RegionIn, request: Request, actor: Actor = signed_in_policy("organization.manage")
) -> RegionOut:
    """Add a division (platform admins)."""
    from kaifang.auth.service import authorize

    with get_runtime(request).db.unit_of_work() as session:
        authorize(actor, "vocabulary.manage")
        region = auth_service.create_region(
            session, code=body.code, name=body.name, parent_code=body.parent_code
        )
        return RegionOut.model_validate(region)


@router.get("/organizations", dependencies=[policy(None)])
def list_organizations(request: Request, region: str | None = None) -> list[OrganizationOut]:
    """Provider organizations, optionally within a region subtree."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        orgs = auth_service.list_organizations(session, region_prefix=region)
        return [OrganizationOut.model_validate(o) for o in orgs]


@router.get("/organizations/{org_id}", dependencies=[policy(None)])
def get_organization(org_id: int, request: Request) -> OrganizationOut:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        return OrganizationOut.model_validate(auth_service.get_organization(session, org_id))


@router.post("/organizations", status_code=201)
def create_organization(
    body: OrganizationIn, request: Request, actor: Actor = signed_in_policy("organization.manage")
) -> OrganizationOut:
    """Register an organization in a region the admin covers; the credit code is checked."""
    with get_runtime(request).db.unit_of_work() as session:
        org = auth_service.create_organization(
            session,
            actor=actor,
            name=body.name,
            slug=body.slug,
            region_code=body.region_code,
            uscc=body.uscc,
            kind=body.kind,
        )
        return OrganizationOut.model_validate(org)


@router.put("/organizations/{org_id}/review-chain")
def set_review_chain(
    org_id: int,
    body: ReviewChainIn,
    request: Request,
    actor: Actor = signed_in_policy("organization.manage"),
) -> OrganizationOut:
    """Choose who decides the organization's applications: its officer (`provider`) or a
    bureau reviewer after its review (`provider,bureau`); null returns to the platform's
    setting. Applications already submitted keep the chain they started with."""
    with get_runtime(request).db.unit_of_work() as session:
        org = access_reviews.set_review_chain(
            session, actor=actor, organization_id=org_id, chain=body.review_chain
        )
        return OrganizationOut.model_validate(org)


@router.get("/users")
def list_users(request: Request, actor: Actor = signed_in_policy("user.manage")) -> list[UserOut]:
    """Accounts within the admin's region."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        return [UserOut.model_validate(u) for u in auth_service.list_users(session, actor=actor)]


@router.post("/users", status_code=201)
def create_user(
    body: UserCreateIn, request: Request, actor: Actor = signed_in_policy("user.manage")
) -> UserOut:
    """Create an account with a role (admins, within their region)."""
    with get_runtime(request).db.unit_of_work() as session:
        user = auth_service.create_user(
            session,
            actor=actor,
            username=body.username,
            password=body.password,
            role=body.role,
            organization_id=body.organization_id,
            region_code=body.region_code,
            display_name=body.display_name,
            account_kind=body.account_kind,
            company_uscc=body.company_uscc,
        )
        return UserOut.model_validate(user)
