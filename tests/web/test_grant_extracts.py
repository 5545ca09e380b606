"""Extracts released under a grant carry the recipient's fingerprint and can be traced back.

A granted researcher exports the table; the copy is attacked (half the rows deleted, rows
shuffled, columns reordered, 10% of the numbers altered) and tracing still names the grant
and the researcher. A public export carries no fingerprint, and another researcher's copy
never accuses the first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access import service as access_service
from kaifang.access.extracts import trace_leak
from kaifang.access.models import IssuedExtract
from kaifang.access.schemas import ApplicationIn, GrantTermsIn, RequestedItems
from kaifang.audit.models import AuditRecord
from kaifang.auth import service as auth_service
from kaifang.auth.actor import SYSTEM
from kaifang.catalog import workflow
from kaifang.ingest.pipeline import read_table
from kaifang.runtime import Runtime
from tests import factories
from tests.web.helpers import bearer
from tests.web.test_data_api import _setup

PHONE = "联系电话"
ROWS = 1200


def _csv(rows: int = ROWS) -> str:
    rng = random.Random(11)
    lines = ["编号,街道,联系电话,补助金额,人口数"]
    for i in range(rows):
        lines.append(
            f"R{i:06d},街道{i % 7},13{rng.randint(100000000, 999999999)},"
            f"{rng.uniform(1000, 90000):.2f},{rng.randint(100, 50000)}"
        )
    return "\n".join(lines) + "\n"


def _publish_with_conditional_phone(client: TestClient, session: Session) -> int:
    officer, ds_id = _setup(client, session)
    files = {"file": ("补助.csv", _csv().encode(), "text/csv")}
    r = client.post(f"/api/v1/datasets/{ds_id}/resources", files=files, headers=officer)
    job = client.get(f"/api/v1/jobs/{r.json()['job_id']}", headers=officer).json()
    assert job["status"] == "succeeded", job
    items = client.get(f"/api/v1/datasets/{ds_id}/items", headers=officer).json()
    for item in items:
        conditional = item["name"] == PHONE
        item.update(
            grade="L2" if conditional else "L1",
            open_attribute="conditional" if conditional else "unconditional",
            masking_rule="",
        )
    keys = ("label", "name", "data_type", "grade", "open_attribute", "masking_rule")
    body = {"items": [{k: i[k] for k in keys} for i in items]}
    assert client.patch(f"/api/v1/datasets/{ds_id}", json=body, headers=officer).status_code == 200
    for step in (workflow.submit_dataset, workflow.approve_dataset, workflow.publish_dataset):
        step(session, actor=SYSTEM, dataset_id=ds_id)
    session.commit()
    return ds_id


def _grant(session: Session, ds_id: int, username: str) -> int:
    factories.user(session, username=username)
    applicant = auth_service.actor_for(auth_service.find_user(session, username))  # type: ignore[arg-type]
    officer = auth_service.actor_for(auth_service.find_user(session, "bus-officer"))  # type: ignore[arg-type]
    reviewer = auth_service.actor_for(factories.user(session, role="reviewer", region_code="3310"))
    today = dt.date.today()
    app = access_service.create_application(
        session,
        actor=applicant,
        data=ApplicationIn(
            datasets=[RequestedItems(dataset_id=ds_id, items=[PHONE])],
            purpose="补助核查",
            scenario="抽样回访",
            expected_results="核查报告",
            target_system="研究平台",
            channel="extract",
            period_from=today,
            period_until=today + dt.timedelta(days=90),
            security_measures="专网、访问控制、审计",
            agreement_id=access_service.seed_default_agreement(session).id,
        ),
    )
    access_service.submit_application(session, actor=applicant, application_id=app.id)
    access_service.accept_application(session, actor=officer, application_id=app.id)
    access_service.review_application(
        session, actor=officer, application_id=app.id, opinion="approve", comment="同意"
    )
    _app, grants = access_service.approve_application(
        session,
        actor=reviewer,
        application_id=app.id,
        comment="同意，脱敏提供",
        grants=[
            GrantTermsIn(
                dataset_id=ds_id,
                items=[PHONE],
                channels=["extract"],
                masking={PHONE: "mask:keep=3,4"},
            )
        ],
    )
    session.commit()
    return grants[0].id


def _attack(text: str, rng: random.Random) -> str:
    """Delete half the rows, shuffle them, reorder the columns and alter 10% of the numbers."""
    header, *rows = list(csv.reader(io.StringIO(text)))
    rows = rng.sample(rows, len(rows) // 2)
    for row in rows:
        for index, name in enumerate(header):
            if name in ("补助金额", "人口数") and rng.random() < 0.1:
                value = float(row[index]) * rng.uniform(0.8, 1.2)
                row[index] = f"{value:.2f}" if name == "补助金额" else str(int(value))
    order = list(range(len(header)))
    rng.shuffle(order)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header[i] for i in order])
    writer.writerows([[row[i] for i in order] for row in rows])
    return out.getvalue()


def _trace(session: Session, runtime: Runtime, text: str, tmp_path: Path, name: str):  # type: ignore[no-untyped-def]
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    keys = runtime.settings.fingerprint_keys()
    return trace_leak(session, actor=SYSTEM, table=read_table(path), keys=keys)


def test_a_leaked_extract_names_its_grant_and_recipient(
    client: TestClient, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    ds_id = _publish_with_conditional_phone(client, session)
    alice_grant = _grant(session, ds_id, "alice")
    bob_grant = _grant(session, ds_id, "bob")
    exports = {}
    for username in ("alice", "bob"):
        response = client.get(
            f"/api/v1/datasets/{ds_id}/export.csv", headers=bearer(client, username)
        )
        assert response.status_code == 200, response.text
        exports[username] = response.text
    assert "138" in exports["alice"] and "****" in exports["alice"]  # the grant's mask applies

    issued = session.scalars(select(IssuedExtract).order_by(IssuedExtract.id)).all()
    assert [(e.grant_id, e.marked) for e in issued] == [(alice_grant, True), (bob_grant, True)]
    assert set(issued[0].marked_columns) == {"补助金额", "人口数"}
    assert session.scalar(select(AuditRecord).where(AuditRecord.action == "extract.issue"))

    rng = random.Random(5)
    for username, grant_id in (("alice", alice_grant), ("bob", bob_grant)):
        leaked = _attack(exports[username], rng)
        result = _trace(session, runtime, leaked, tmp_path, username)
        assert result.found and result.grant_id == grant_id, result.details
        assert result.recipient_username == username and result.confidence > 0.999
        assert result.extracts[0]["dataset_id"] == ds_id


def test_public_exports_are_unmarked_and_trace_finds_no_fingerprint(
    client: TestClient, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    ds_id = _publish_with_conditional_phone(client, session)
    _grant(session, ds_id, "alice")
    response = client.get(f"/api/v1/datasets/{ds_id}/export.csv", headers=bearer(client, "alice"))
    assert response.status_code == 200
    public = client.get(f"/api/v1/datasets/{ds_id}/export.csv")
    assert public.status_code == 200 and PHONE not in public.text
    assert len(session.scalars(select(IssuedExtract)).all()) == 1

    result = _trace(session, runtime, public.text, tmp_path, "public")
    assert not result.found and "no fingerprint" in result.message
    original = _trace(session, runtime, _csv(), tmp_path, "original")
    assert not original.found and original.grant_id is None


def test_xlsx_and_json_extracts_are_traced_as_they_were_downloaded(
    client: TestClient, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    ds_id = _publish_with_conditional_phone(client, session)
    grant_id = _grant(session, ds_id, "alice")
    headers = bearer(client, "alice")
    for fmt in ("xlsx", "json"):
        response = client.get(f"/api/v1/datasets/{ds_id}/export.{fmt}", headers=headers)
        assert response.status_code == 200, response.text
        path = tmp_path / f"leak.{fmt}"
        path.write_bytes(response.content)
        result = trace_leak(
            session, actor=SYSTEM, table=read_table(path), keys=runtime.settings.fingerprint_keys()
        )
        assert result.found and result.grant_id == grant_id, (fmt, result.details)
        assert [e["format"] for e in result.extracts] == ["xlsx", "json"][: len(result.extracts)]
