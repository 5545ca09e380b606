"""Loads the demo catalogue: real division-code tables plus generated, labelled demo datasets."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access.service import seed_default_agreement
from kaifang.auth.actor import SYSTEM
from kaifang.auth.models import Organization
from kaifang.catalog import service as catalog_service
from kaifang.catalog import workflow
from kaifang.catalog.models import Dataset
from kaifang.catalog.schemas import DataItemIn, DatasetIn
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.demo.catalog_specs import SPECS, DemoSpec
from kaifang.demo.rows import DISTRICTS, generate_rows
from kaifang.demo.tenancy import DATA_DIR

DEMO_NOTE = "（演示数据，由系统生成，仅供体验）"
Table = tuple[list[str], list[list[object]]]
AttachTable = Callable[[Session, Dataset, str, Table], None]


@dataclass(frozen=True)
class DivisionTable:
    title: str
    file: str
    columns: tuple[tuple[str, str, str], ...]  # (label, name, source column)
    summary: str


DIVISION_TABLES = (
    DivisionTable(
        "台州市县级行政区划代码",
        "taizhou-areas.csv",
        (
            ("区划代码", "code", "code"),
            ("区划名称", "name", "name"),
            ("所属地市代码", "city_code", "cityCode"),
        ),
        "台州市9个县（市、区）的统计用区划代码，来源：国家统计局统计用区划代码。",
    ),
    DivisionTable(
        "台州市乡镇街道区划代码",
        "taizhou-streets.csv",
        (
            ("区划代码", "code", "code"),
            ("区划名称", "name", "name"),
            ("所属区县代码", "area_code", "areaCode"),
        ),
        "台州市136个乡镇（街道）的统计用区划代码，来源：国家统计局统计用区划代码。",
    ),
    DivisionTable(
        "台州市村（社区）区划代码",
        "taizhou-villages.csv",
        (
            ("区划代码", "code", "code"),
            ("区划名称", "name", "name"),
            ("所属乡镇街道代码", "street_code", "streetCode"),
            ("所属区县代码", "area_code", "areaCode"),
        ),
        "台州市3429个村（社区）的统计用区划代码，来源：国家统计局统计用区划代码。",
    ),
)


def _orgs(session: Session) -> dict[str, Organization]:
    return {o.name: o for o in session.scalars(select(Organization))}


def _advance(session: Session, dataset: Dataset, status: str) -> None:
    steps = {"submitted": ("submit",), "published": ("submit", "approve", "publish")}
    for step in steps.get(status, ()):
        fn = {
            "submit": workflow.submit_dataset,
            "approve": workflow.approve_dataset,
            "publish": workflow.publish_dataset,
        }[step]
        fn(session, actor=SYSTEM, dataset_id=dataset.id)


def _create(
    session: Session, *, org: Organization, region: str, spec: DemoSpec, title: str, template: str
) -> Dataset:
    items = [
        DataItemIn.model_validate(
            {"label": lab, "name": name, "data_type": kind, "grade": grade, "open_attribute": attr}
        )
        for lab, name, kind, grade, attr, _gen in spec.items
    ]
    summary = spec.summary or f"{title}，包括{'、'.join(i.label for i in items[:4])}等数据项。"
    data = DatasetIn.model_validate(
        dict(
            title=title,
            summary=summary + DEMO_NOTE,
            organization_id=org.id,
            region_code=region,
            domains=list(spec.domains),
            keywords=list(spec.keywords),
            update_frequency=spec.frequency,
            open_attribute=spec.open_attribute,
            base_class=spec.base_class,
            items=items,
            spatial_coverage=title[:3] if title.startswith(DISTRICTS) else "台州市",
            contact_name="数据专员（演示）",
            contact_phone="0576-88888888",
        )
    )
    return catalog_service.create_dataset(
        session, actor=SYSTEM, data=data, code_template=template, is_demo=True
    )


def _spec_instances(
    spec: DemoSpec, orgs: dict[str, Organization]
) -> list[tuple[Organization, str, str]]:
    if not spec.per_district:
        org = orgs[spec.org]
        return [(org, org.region_code, f"台州市{spec.title}")]
    out = []
    for district in DISTRICTS:
        org = orgs[district]
        out.append((org, org.region_code, f"{district}{spec.title}"))
    return out


def load_demo_catalog(
    session: Session, *, template: str, attach: AttachTable | None = None, limit: int | None = None
) -> int:
    """Create the demo catalogue once (skipped when datasets exist); returns datasets created.

    ``limit`` keeps only the first specs (for browser tests that need a few datasets quickly).
    """
    seed_vocabularies(session)
    seed_default_agreement(session)
    if session.scalar(select(Dataset.id).limit(1)) is not None:
        return 0
    orgs = _orgs(session)
    created = _load_divisions(session, orgs["市统计局"], template, attach)
    for n, spec in enumerate(SPECS[:limit]):
        for k, (org, region, title) in enumerate(_spec_instances(spec, orgs)):
            dataset = _create(
                session, org=org, region=region, spec=spec, title=title, template=template
            )
            if attach is not None and spec.open_attribute != "closed":
                header = [i[1] for i in spec.items]
                rows = generate_rows([i[5] for i in spec.items], spec.rows, seed=1000 * n + k)
                attach(session, dataset, f"{title}.csv", (header, rows))
            _advance(session, dataset, spec.status)
            created += 1
    return created


def _load_divisions(
    session: Session, org: Organization, template: str, attach: AttachTable | None
) -> int:
    for table in DIVISION_TABLES:
        items = [DataItemIn(label=lab, name=name) for lab, name, _src in table.columns]
        data = DatasetIn(
            title=table.title,
            summary=table.summary,
            organization_id=org.id,
            domains=["统计", "地理空间"],
            keywords=["行政区划", "区划代码"],
            update_frequency="yearly",
            base_class="natural_resources",
            items=items,
            spatial_coverage="台州市",
            licence="open-agreement",
        )
        dataset = catalog_service.create_dataset(
            session, actor=SYSTEM, data=data, code_template=template
        )
        if attach is not None:
            with (DATA_DIR / table.file).open(encoding="utf-8") as fh:
                source = list(csv.DictReader(fh))
            rows: list[list[object]] = [[r[src] for _l, _n, src in table.columns] for r in source]
            attach(session, dataset, table.file, ([n for _l, n, _s in table.columns], rows))
        _advance(session, dataset, "published")
    return len(DIVISION_TABLES)
