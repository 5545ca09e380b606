"""Every role × action × tenant combination against an explicit expectation table."""

from __future__ import annotations

import pytest

from kaifang.auth.actor import ANONYMOUS, Actor
from kaifang.auth.policy import POLICY, Target, can

CITY, COUNTY, OTHER_CITY = "3310", "331002", "3301"
OWN_ORG, OTHER_ORG = 1, 2

ACTORS = {
    "anonymous": ANONYMOUS,
    "user": Actor(user_id=10, username="u", role="user"),
    "officer": Actor(
        user_id=11,
        username="o",
        role="officer",
        organization_id=OWN_ORG,
        organization_region=COUNTY,
    ),
    "reviewer_city": Actor(user_id=12, username="r", role="reviewer", region_scope=CITY),
    "reviewer_county": Actor(user_id=13, username="rc", role="reviewer", region_scope=COUNTY),
    "admin_platform": Actor(user_id=14, username="a", role="admin"),
    "admin_city": Actor(user_id=15, username="ac", role="admin", region_scope=CITY),
    "auditor": Actor(user_id=16, username="au", role="auditor"),
}
TARGETS = {
    "own_org_in_county": Target(organization_id=OWN_ORG, region_code=COUNTY, user_id=11),
    "other_org_in_city": Target(organization_id=OTHER_ORG, region_code=CITY),
    "other_city": Target(organization_id=3, region_code=OTHER_CITY),
    "platform": None,
}

# Which (actor, target) pairs are allowed for each action; everything else must be denied.
ALLOWED: dict[str, set[tuple[str, str]]] = {
    "dataset.read_public": {(a, t) for a in ACTORS for t in TARGETS},
    "dataset.read_unpublished": {
        ("officer", "own_org_in_county"),
        ("reviewer_city", "own_org_in_county"),
        ("reviewer_city", "other_org_in_city"),
        ("reviewer_county", "own_org_in_county"),
        *{("admin_platform", t) for t in TARGETS},
        ("admin_city", "own_org_in_county"),
        ("admin_city", "other_org_in_city"),
        *{("auditor", t) for t in TARGETS},
    },
    "dataset.review": {
        ("reviewer_city", "own_org_in_county"),
        ("reviewer_city", "other_org_in_city"),
        ("reviewer_county", "own_org_in_county"),
        *{("admin_platform", t) for t in TARGETS},
        ("admin_city", "own_org_in_county"),
        ("admin_city", "other_org_in_city"),
    },
    "dataset.edit": {
        ("officer", "own_org_in_county"),
        *{("admin_platform", t) for t in TARGETS},
        ("admin_city", "own_org_in_county"),
        ("admin_city", "other_org_in_city"),
    },
    "audit.read": {*{("auditor", t) for t in TARGETS}},
    "audit.verify": {*{("auditor", t) for t in TARGETS}, *{("admin_platform", t) for t in TARGETS}},
    "vocabulary.manage": {*{("admin_platform", t) for t in TARGETS}},
    "token.manage_own": {(a, t) for a in ACTORS if a != "anonymous" for t in TARGETS},
    # Conditional opening: the provider's officer handles, the region's bureau decides.
    "application.review_org": {
        ("officer", "own_org_in_county"),
        *{("admin_platform", t) for t in TARGETS},
        ("admin_city", "own_org_in_county"),
        ("admin_city", "other_org_in_city"),
    },
    "application.review_bureau": {
        ("reviewer_city", "own_org_in_county"),
        ("reviewer_city", "other_org_in_city"),
        ("reviewer_county", "own_org_in_county"),
        *{("admin_platform", t) for t in TARGETS},
        ("admin_city", "own_org_in_county"),
        ("admin_city", "other_org_in_city"),
    },
    "application.edit": {("officer", "own_org_in_county")},
    "agreement.manage": {*{("admin_platform", t) for t in TARGETS}},
    "calllog.read_all": {
        *{("auditor", t) for t in TARGETS},
        *{("admin_platform", t) for t in TARGETS},
    },
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("actor_name", sorted(ACTORS))
@pytest.mark.parametrize("target_name", sorted(TARGETS))
def test_policy_matrix(action: str, actor_name: str, target_name: str) -> None:
    expected = (actor_name, target_name) in ALLOWED[action]
    assert can(ACTORS[actor_name], action, TARGETS[target_name]) is expected


# Feedback is open to visitors without an account (rate-limited per address).
PUBLIC_WRITES = frozenset({"feedback.submit"})


def test_every_declared_action_denies_anonymous_writes() -> None:
    writes = [a for a in POLICY if not a.startswith("dataset.read") and a not in PUBLIC_WRITES]
    assert all(not can(ANONYMOUS, a, TARGETS["platform"]) for a in writes)


def test_undeclared_action_is_denied_for_everyone() -> None:
    assert not any(can(a, "dataset.teleport", None) for a in ACTORS.values())
