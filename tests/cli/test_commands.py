"""The `kaifang` command end to end on a SQLite file: accounts, tokens, audit, privacy scan."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from kaifang.cli import common
from kaifang.cli.main import app
from tests.cli.conftest import runner


def _run(*args: str) -> tuple[int, str]:
    common.runtime.cache_clear()
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_user_token_and_audit_verify_catches_tampering(data_dir: Path) -> None:
    code, _ = _run(
        "user", "create", "--username", "ops", "--password", "long-password", "--role", "admin"
    )
    assert code == 0
    code, out = _run("user", "create", "--username", "ops", "--password", "long-password")
    assert code == 2
    code, out = _run("token", "create", "--username", "ops", "--expires", "7")
    assert code == 0 and out.strip().startswith("kf_") and len(out.strip().splitlines()) == 1
    assert _run("token", "revoke", "--token", out.strip())[0] == 0
    code, out = _run("audit", "verify")
    assert code == 0 and "intact" in out
    with sqlite3.connect(data_dir / "kaifang.db") as conn:
        conn.execute("UPDATE audit_records SET outcome = 'denied' WHERE chain_seq = 2")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "chain record 2" in result.stderr


def test_region_scoped_reviewer_needs_a_real_region(data_dir: Path) -> None:
    code, _ = _run(
        "user",
        "create",
        "--username",
        "rev",
        "--password",
        "long-password",
        "--role",
        "reviewer",
        "--region",
        "999999",
    )
    assert code == 2


def test_privacy_scan_prints_json_findings(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "姓名,手机号,备注\n张伟,13812345678,无\n李娜,15912345678,无\n", encoding="gb18030"
    )
    code, out = _run("privacy", "scan", str(path), "--format", "json")
    assert code == 0
    findings = {f["column"]: f for f in json.loads(out)}
    assert findings["手机号"]["kind"] == "mobile" and findings["备注"]["kind"] is None
    assert set(findings["姓名"]) == {
        "column",
        "kind",
        "confidence",
        "suggested_grade",
        "suggested_open_attribute",
        "suggested_masking",
        "evidence",
    }


def _world_in_cli_database() -> Any:
    """A published dataset with a grant in the command's own database."""
    from kaifang.access import agreements
    from kaifang.catalog.vocabularies import seed_vocabularies
    from tests import factories
    from tests.access.conftest import COUNTY, ITEMS, World

    with common.runtime().db.unit_of_work() as session:
        seed_vocabularies(session)
        provider = factories.organization(session, region_code=COUNTY)
        actors = {
            role: factories.actor(session, role=role, org=provider if role == "officer" else None)
            for role in ("officer", "user", "admin", "auditor")
        }
        world = World(
            provider=provider,
            other_org=provider,
            officer=actors["officer"],
            other_officer=actors["officer"],
            reviewer=factories.actor(session, role="reviewer", region_code="3310"),
            applicant=actors["user"],
            stranger=actors["user"],
            admin=actors["admin"],
            auditor=actors["auditor"],
            dataset=factories.published_dataset(session, org=provider, items=ITEMS),
            agreement_id=agreements.seed_default_agreement(session).id,
        )
        session.flush()
        return world


def test_privacy_trace_names_the_recipient_or_says_no_fingerprint(
    data_dir: Path, tmp_path: Path
) -> None:
    import random

    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from tests.access.helpers import approved
    from tests.access.test_extracts import issue_and_mark
    from tests.privacy.test_fingerprint import attack, make_table

    world = _world_in_cli_database()
    table = make_table(random.Random(6), rows=1000)
    key = common.runtime().settings.fingerprint_keys()[0]
    with common.runtime().db.unit_of_work() as session:
        _app, grant = approved(session, world)
        marked = issue_and_mark(session, grant, world.applicant, table, key=key)
    leaked, clean = tmp_path / "leaked.parquet", tmp_path / "clean.csv"
    pq.write_table(attack(marked, random.Random(7)), leaked)
    pacsv.write_csv(table, clean)

    code, out = _run("privacy", "trace", str(leaked), "--format", "json")
    body = json.loads(out)
    assert code == 0 and body["found"] and body["grant_id"] == grant.id
    assert body["recipient"]["user_id"] == world.applicant.user_id
    code, out = _run("privacy", "trace", str(leaked))
    assert code == 0 and f"grant {grant.id}" in out and world.applicant.username in out
    code, out = _run("privacy", "trace", str(clean))
    assert code == 1 and "no fingerprint found" in out
