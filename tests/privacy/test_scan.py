"""`kaifang privacy scan FILE --format json` keeps the issue's contract: keys and kind names."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from typer.testing import CliRunner

from kaifang import checksums
from kaifang.cli.main import app
from kaifang.privacy.registry import KINDS
from kaifang.privacy.scan import JSON_KEYS

# Written out here, not imported: the contract is the text, not the code's.
CONTRACT_KEYS = [
    "column",
    "kind",
    "confidence",
    "suggested_grade",
    "suggested_open_attribute",
    "suggested_masking",
    "evidence",
]
CONTRACT_KINDS = {
    "resident_id",
    "mobile",
    "landline",
    "bank_card",
    "uscc",
    "passport",
    "travel_permit",
    "plate",
    "email",
    "ip",
    "person_name",
    "address",
    "birth_date",
    "coordinates",
}


def _columns(rng: random.Random, i: int) -> dict[str, tuple[str, str | None]]:
    """Column name -> (a value, the kind the scan must report)."""
    return {
        "身份证号": (checksums.make_resident_id(rng), "resident_id"),
        "手机号": (checksums.make_mobile(rng), "mobile"),
        "固定电话": (f"0576-8{rng.randint(1000000, 9999999)}", "landline"),
        "银行卡号": (checksums.make_bank_card(rng), "bank_card"),
        "统一社会信用代码": (checksums.make_uscc(rng), "uscc"),
        "护照号": (f"E{rng.randint(10000000, 99999999)}", "passport"),
        "港澳通行证号": (f"C{rng.randint(10000000, 99999999)}", "travel_permit"),
        "车牌号": (f"浙J{rng.randint(10000, 99999)}", "plate"),
        "电子邮箱": (f"user{i}@example.cn", "email"),
        "IP地址": (f"10.{i % 250}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", "ip"),
        "姓名": (
            rng.choice("王李张刘陈杨") + rng.choice(["伟", "芳", "秀英", "建国"]),
            "person_name",
        ),
        "住址": (f"浙江省台州市椒江区中山西路{i + 1}号{i % 9 + 1}幢", "address"),
        "出生日期": (
            f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "birth_date",
        ),
        "经纬度": (f"{28 + rng.random():.6f},{121 + rng.random():.6f}", "coordinates"),
        "备注": (rng.choice(["无", "已核实", "待回访"]), None),
    }


def _write(path: Path, rows: int = 40) -> tuple[dict[str, str | None], list[list[str]]]:
    rng = random.Random(17)
    table = [_columns(rng, i) for i in range(rows)]
    header = list(table[0])
    body = [[row[name][0] for name in header] for row in table]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(body)
    return {name: table[0][name][1] for name in header}, body


def test_scan_json_is_one_object_per_column_with_exactly_the_contract_keys(tmp_path: Path) -> None:
    expected, body = _write(tmp_path / "people.csv")
    result = CliRunner().invoke(
        app, ["privacy", "scan", str(tmp_path / "people.csv"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)
    assert isinstance(findings, list)
    assert [f["column"] for f in findings] == list(expected)
    for finding in findings:
        assert list(finding) == CONTRACT_KEYS
        assert finding["kind"] is None or finding["kind"] in CONTRACT_KINDS
        assert 0.0 <= finding["confidence"] <= 1.0
        assert finding["suggested_grade"] in ("L1", "L2", "L3", "L4")
        assert finding["suggested_open_attribute"] in ("unconditional", "conditional", "closed")
        assert isinstance(finding["suggested_masking"], str)
        assert isinstance(finding["evidence"], dict)
    assert {f["column"]: f["kind"] for f in findings} == expected
    # Evidence shows examples masked: no raw identifier leaves the scan.
    for raw in body[0][:5]:
        assert raw not in result.stdout


def test_the_engine_names_exactly_the_contract_kinds() -> None:
    assert set(KINDS) == CONTRACT_KINDS and len(KINDS) == len(CONTRACT_KINDS)
    assert list(JSON_KEYS) == CONTRACT_KEYS
