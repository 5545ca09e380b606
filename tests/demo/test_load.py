from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import TEMPLATE

from kaifang.auth.actor import ANONYMOUS
from kaifang.auth.models import Organization, Region
from kaifang.catalog import queries
from kaifang.catalog.models import Dataset
from kaifang.codes import is_valid_uscc, luhn_check_digit, resident_id_check_char
from kaifang.demo import rows, tenancy
from kaifang.demo.catalog import load_demo_catalog
from kaifang.governance.service import baseline_totals


def test_demo_city_loads_real_units_and_baseline(session: Session) -> None:
    tenancy.load_regions(session)
    orgs = tenancy.load_organizations(session)
    tenancy.load_accounts(session, orgs)
    districts = session.scalars(select(Region).where(Region.parent_code == "3310")).all()
    assert len(districts) == 9
    assert session.scalar(select(func.count()).select_from(Organization)) == 106
    assert baseline_totals(session, year=2020) == (907, 8451)
    assert orgs["椒江区"].region_code == "331002"
    # idempotent
    tenancy.load_regions(session)
    assert len(tenancy.load_organizations(session)) == 106

    created = load_demo_catalog(session, template=TEMPLATE)
    assert created >= 60
    assert load_demo_catalog(session, template=TEMPLATE) == 0
    published = session.scalars(select(Dataset).where(Dataset.status == "published")).unique().all()
    assert {"unconditional", "conditional"} <= {d.open_attribute for d in published}
    assert any(d.title == "台州市村（社区）区划代码" and not d.is_demo for d in published)
    assert all(d.is_demo for d in published if "区划代码" not in d.title)
    all_sets = session.scalars(select(Dataset)).unique().all()
    assert {"closed"} <= {d.open_attribute for d in all_sets}
    assert len({d.organization_id for d in all_sets}) >= 25
    figures = queries.headline_figures(session, actor=ANONYMOUS)
    assert figures["datasets"] == len(published)


def test_generated_identifiers_pass_their_checks() -> None:
    rng = random.Random(7)
    for _ in range(200):
        rid = rows.resident_id(rng)
        assert rid[17] == resident_id_check_char(rid[:17])
        assert is_valid_uscc(rows.uscc(rng))
        card = rows.bank_card(rng)
        assert card[-1] == luhn_check_digit(card[:-1])
