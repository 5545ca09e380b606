"""The one policy: ``can(actor, action, target)``. Unknown actions are denied.

Each action maps roles to a scope rule. A target is anything with ``organization_id`` and/or
``region_code`` attributes (or None for platform-wide actions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kaifang.auth.actor import Actor
from kaifang.codes import region_contains

Rule = Callable[[Actor, Any], bool]


@dataclass(frozen=True)
class Target:
    """A policy target built from bare attributes, for checks before an object exists."""

    organization_id: int | None = None
    region_code: str | None = None
    user_id: int | None = None
    id: int | None = None


def anyone(actor: Actor, target: Any) -> bool:
    return True


def signed_in(actor: Actor, target: Any) -> bool:
    return actor.is_authenticated


def own_org(actor: Actor, target: Any) -> bool:
    """Officers act only on their own organization's records."""
    org = getattr(target, "organization_id", None)
    return actor.organization_id is not None and org == actor.organization_id


def in_region(actor: Actor, target: Any) -> bool:
    """Reviewers/admins act on records whose region lies in their scope (None = platform)."""
    if not actor.is_authenticated:
        return False
    code = getattr(target, "region_code", None) if target is not None else None
    if target is None or code is None:
        return actor.region_scope is None
    return region_contains(actor.region_scope, code)


def platform_wide(actor: Actor, target: Any) -> bool:
    """Only actors without a region limit (platform reviewers/admins/auditors)."""
    return actor.is_authenticated and actor.region_scope is None


def owner(actor: Actor, target: Any) -> bool:
    """The user the target belongs to (``user_id`` attribute)."""
    return actor.user_id is not None and getattr(target, "user_id", None) == actor.user_id


def either(*rules: Rule) -> Rule:
    def rule(actor: Actor, target: Any) -> bool:
        return any(r(actor, target) for r in rules)

    return rule


STAFF = ("officer", "reviewer", "admin")
ALL_SIGNED_IN = ("user", "officer", "reviewer", "admin", "auditor")
EVERYONE = ("anonymous", *ALL_SIGNED_IN)

POLICY: dict[str, dict[str, Rule]] = {
    # Catalogue
    "dataset.read_public": {r: anyone for r in EVERYONE},
    "dataset.read_unpublished": {
        "officer": own_org,
        "reviewer": in_region,
        "admin": in_region,
        "auditor": in_region,
    },
    "dataset.create": {"officer": own_org, "admin": in_region},
    "dataset.edit": {"officer": own_org, "admin": in_region},
    "dataset.submit": {"officer": own_org, "admin": in_region},
    "dataset.review": {"reviewer": in_region, "admin": in_region},
    "dataset.publish": {"reviewer": in_region, "admin": in_region},
    "dataset.withdraw": {"officer": own_org, "reviewer": in_region, "admin": in_region},
    "dataset.import": {"officer": own_org, "admin": in_region},
    "dataset.quality_read": {
        "officer": own_org,
        "reviewer": in_region,
        "admin": in_region,
        "auditor": in_region,
    },
    "resource.upload": {"officer": own_org, "admin": in_region},
    "vocabulary.manage": {"admin": platform_wide},
    # Tenancy and accounts
    "organization.manage": {"admin": in_region},
    "user.manage": {"admin": in_region},
    "demo.reset": {"admin": platform_wide},
    "token.manage_own": {r: signed_in for r in ALL_SIGNED_IN},
    "account.read_own": {r: signed_in for r in ALL_SIGNED_IN},
    # Audit
    "audit.read": {"auditor": in_region},
    "audit.verify": {"auditor": platform_wide, "admin": platform_wide},
    # Conditional opening (受限开放): applications, grants, reports, keys, call logs
    "application.create": {"user": signed_in, "officer": signed_in},
    "application.read": {
        "user": owner,
        "officer": either(owner, own_org),
        "reviewer": in_region,
        "admin": in_region,
        "auditor": in_region,
    },
    "application.edit": {"user": owner, "officer": owner},
    "application.review_org": {"officer": own_org, "admin": in_region},
    "application.review_bureau": {"reviewer": in_region, "admin": in_region},
    "grant.read": {
        "user": owner,
        "officer": either(owner, own_org),
        "reviewer": in_region,
        "admin": in_region,
        "auditor": in_region,
    },
    "grant.revoke": {"officer": own_org, "reviewer": in_region, "admin": in_region},
    "grant.suspend": {"officer": own_org, "reviewer": in_region, "admin": in_region},
    "usage_report.submit": {"user": owner, "officer": owner},
    "agreement.manage": {"admin": platform_wide},
    "apikey.manage_own": {r: signed_in for r in ALL_SIGNED_IN},
    "apikey.manage_org": {"officer": own_org},
    "calllog.read_own": {r: signed_in for r in ALL_SIGNED_IN},
    "calllog.read_org": {"officer": own_org, "reviewer": in_region, "admin": in_region},
    "calllog.read_all": {"auditor": in_region, "admin": platform_wide},
    "access.sla_read": {
        "officer": own_org,
        "reviewer": in_region,
        "admin": in_region,
        "auditor": in_region,
    },
    # Governance: open lists, progress, statistics, the open index and reports
    "openlist.read": {
        "officer": own_org,
        "reviewer": in_region,
        "admin": in_region,
        "auditor": in_region,
    },
    "openlist.edit": {"officer": own_org, "admin": in_region},
    "openlist.approve": {"reviewer": in_region, "admin": in_region},
    "stats.read": {
        "officer": own_org,
        "reviewer": in_region,
        "admin": in_region,
        "auditor": in_region,
    },
    "index.manage": {"admin": platform_wide},
    "report.generate": {
        "officer": own_org,
        "reviewer": in_region,
        "admin": in_region,
        "auditor": in_region,
    },
    # Harvesting other catalogues into ours
    "harvest.read": {"reviewer": in_region, "admin": in_region, "auditor": in_region},
    "harvest.manage": {"reviewer": in_region, "admin": in_region},
    "harvest.run": {"reviewer": in_region, "admin": in_region},
    # Feedback work orders (纠错, 咨询, 数据需求, 投诉) and the app showcase (应用展示)
    "feedback.submit": {r: anyone for r in EVERYONE},
    "feedback.read": {
        "user": owner,
        "officer": either(owner, own_org),
        "reviewer": either(owner, in_region),
        "admin": either(owner, in_region),
        "auditor": in_region,
    },
    "feedback.queue": {"officer": own_org, "reviewer": in_region, "admin": in_region},
    "feedback.assign": {"reviewer": in_region, "admin": in_region},
    "feedback.answer": {"officer": own_org, "admin": in_region},
    "feedback.close": {
        "user": owner,
        "officer": either(owner, own_org),
        "reviewer": either(owner, in_region),
        "admin": either(owner, in_region),
    },
    "feedback.reopen": {r: owner for r in ALL_SIGNED_IN},
    "showcase.submit": {r: signed_in for r in ALL_SIGNED_IN},
    "showcase.review": {"admin": platform_wide},
    # Jobs
    "job.read": {
        "officer": either(owner, own_org),
        "reviewer": in_region,
        "admin": in_region,
        "user": owner,
    },
}


def declared_actions() -> frozenset[str]:
    return frozenset(POLICY)


def can(actor: Actor, action: str, target: Any = None) -> bool:
    """True when ``actor`` may perform ``action`` on ``target``; undeclared actions are denied."""
    rules = POLICY.get(action)
    if rules is None:
        return False
    if actor.role == "system":
        # The trusted command line and loaders; never an HTTP caller.
        return True
    rule = rules.get(actor.role)
    return bool(rule and rule(actor, target))
