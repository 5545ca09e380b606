"""Fixtures for page tests: seeded vocabularies and a small cast of accounts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from kaifang.auth.models import Organization
from kaifang.catalog.vocabularies import seed_vocabularies
from tests import factories


@pytest.fixture(autouse=True)
def _vocabularies(request: pytest.FixtureRequest) -> None:
    if "session" in request.fixturenames:
        session: Session = request.getfixturevalue("session")
        seed_vocabularies(session)
        session.commit()


@dataclass
class Cast:
    """One organization in a district of the city, and one account per role."""

    org: Organization
    other_org: Organization
    officer: str = "wb-officer"
    other_officer: str = "wb-other-officer"
    reviewer: str = "wb-reviewer"
    admin: str = "wb-admin"
    user: str = "wb-user"


@pytest.fixture
def cast(session: Session) -> Cast:
    org = factories.organization(session, region_code="331002", name="市交通运输局测试")
    other = factories.organization(session, region_code="331003")
    people = Cast(org=org, other_org=other)
    factories.user(session, role="officer", org=org, username=people.officer)
    factories.user(session, role="officer", org=other, username=people.other_officer)
    factories.user(session, role="reviewer", region_code="3310", username=people.reviewer)
    factories.user(session, role="admin", username=people.admin)
    factories.user(session, username=people.user)
    session.commit()
    return people
