from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from kaifang.catalog.vocabularies import seed_vocabularies


@pytest.fixture(autouse=True)
def _vocabularies(request: pytest.FixtureRequest) -> None:
    if "session" in request.fixturenames:
        session: Session = request.getfixturevalue("session")
        seed_vocabularies(session)
