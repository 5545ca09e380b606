"""Loads the demo city's regions, organizations, 2020 baseline and one account per role."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pypinyin import lazy_pinyin
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import SYSTEM
from kaifang.auth.models import Organization, Region
from kaifang.governance import service as governance_service

DATA_DIR = Path(__file__).parent / "data"
PROVINCE = ("33", "浙江省")
CITY = ("3310", "台州市")
BASELINE_SOURCE = "台州市2021年公共数据开放工作方案 (2020 figures)"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    org: str | None = None
    region: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("admin", "demo-admin-pass", "admin"),
    DemoAccount("reviewer", "demo-reviewer-pass", "reviewer", region="3310"),
    DemoAccount("officer", "demo-officer-pass", "officer", org="市交通运输局"),
    DemoAccount("officer-jj", "demo-officer-pass", "officer", org="椒江区"),
    DemoAccount("auditor", "demo-auditor-pass", "auditor"),
    DemoAccount("developer", "demo-user-pass", "user"),
)


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_regions(session: Session, *, with_streets: bool = True) -> int:
    """Province, city, its 9 counties/districts and (optionally) 136 towns/streets."""
    rows: list[tuple[str, str, str | None]] = [(*PROVINCE, None), (*CITY, PROVINCE[0])]
    rows += [(r["code"], r["name"], CITY[0]) for r in _read_csv("taizhou-areas.csv")]
    if with_streets:
        rows += [(r["code"], r["name"], r["areaCode"]) for r in _read_csv("taizhou-streets.csv")]
    existing = set(session.scalars(select(Region.code)).all())
    added = 0
    for code, name, parent in rows:
        if code not in existing:
            auth_service.create_region(session, code=code, name=name, parent_code=parent)
            session.flush()
            added += 1
    return added


def _slug(name: str, taken: set[str]) -> str:
    base = "".join(p[0] for p in lazy_pinyin(name) if p and p[0].isalnum()).lower() or "org"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _region_for(name: str, districts: dict[str, str]) -> str:
    return districts.get(name, CITY[0])


def load_organizations(session: Session) -> dict[str, Organization]:
    """The 106 units of the 2020 statistics table, each with its 2020 figures as baseline."""
    districts = {r["name"]: r["code"] for r in _read_csv("taizhou-areas.csv")}
    existing = {o.name: o for o in session.scalars(select(Organization)).all()}
    taken = {o.slug for o in existing.values()}
    for row in _read_csv("taizhou-2020-open-data-stats.csv"):
        name = row["单位名称"].strip()
        org = existing.get(name)
        if org is None:
            kind = "district" if name in districts else "department"
            org = auth_service.create_organization(
                session,
                actor=SYSTEM,
                name=name,
                slug=_slug(name, taken),
                region_code=_region_for(name, districts),
                kind=kind,
            )
            existing[name] = org
        governance_service.set_baseline(
            session,
            organization_id=org.id,
            year=2020,
            datasets=int(row["开放数据集"]),
            items=int(row["开放数据项"]),
            source=BASELINE_SOURCE,
        )
    session.flush()
    return existing


def load_accounts(session: Session, orgs: dict[str, Organization]) -> list[DemoAccount]:
    """One demo account per role; existing ones are left as they are."""
    for acc in DEMO_ACCOUNTS:
        if auth_service.find_user(session, acc.username) is not None:
            continue
        auth_service.create_user(
            session,
            actor=SYSTEM,
            username=acc.username,
            password=acc.password,
            role=acc.role,
            organization_id=orgs[acc.org].id if acc.org else None,
            region_code=acc.region,
            display_name=f"演示{acc.role} (demo)",
            is_demo=True,
        )
    return list(DEMO_ACCOUNTS)
