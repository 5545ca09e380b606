"""The `kaifang` command end to end on a SQLite file: accounts, tokens, audit, privacy scan."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

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
