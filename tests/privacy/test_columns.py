"""Column classification, grading suggestions and the JSON scan output."""

from __future__ import annotations

import json
import random

import pyarrow as pa
import pytest

from kaifang import checksums
from kaifang.privacy import classify_column, classify_table, suggest_dataset_grade
from kaifang.privacy.scan import JSON_KEYS, findings_to_json, scan_table

RNG = random.Random(11)
IDS = [checksums.make_resident_id(RNG) for _ in range(120)]
USCCS = [checksums.make_uscc(RNG) for _ in range(120)]


@pytest.mark.parametrize(
    ("name", "values", "kind", "grade", "attribute", "rule"),
    [
        ("身份证号", IDS, "resident_id", "L4", "closed", "pseudonym"),
        ("sfzh", IDS, "resident_id", "L4", "closed", "pseudonym"),
        ("统一社会信用代码", USCCS, "uscc", "L1", "unconditional", "keep"),
        (
            "手机号",
            [checksums.make_mobile(RNG) for _ in range(50)],
            "mobile",
            "L3",
            "conditional",
            "mask:keep=3,4",
        ),
        (
            "姓名",
            ["张伟", "王芳", "欧阳娜娜", "李娜", None, ""] * 10,
            "person_name",
            "L2",
            "conditional",
            "mask:keep=1,0",
        ),
        (
            "住址",
            ["浙江省台州市椒江区海门街道东山路88号", "临海市东塍镇岭根村12号"] * 10,
            "address",
            "L3",
            "conditional",
            "generalize:street",
        ),
        (
            "出生日期",
            ["1990-03-07", "1985/12/1"] * 10,
            "birth_date",
            "L2",
            "conditional",
            "generalize:year",
        ),
        (
            "经度",
            ["121.420757", "120.123456"] * 10,
            "coordinates",
            "L3",
            "conditional",
            "generalize:grid=0.01",
        ),
        (
            "银行卡号",
            [checksums.make_bank_card(RNG) for _ in range(40)],
            "bank_card",
            "L4",
            "closed",
            "mask:keep=6,4",
        ),
        ("车牌号", ["浙J12345", "浙JD12345"] * 10, "plate", "L3", "conditional", "mask:keep=2,1"),
        ("email", ["a.b@example.com", "c@qq.com"] * 10, "email", "L3", "conditional", "mask:email"),
    ],
)
def test_realistic_columns(name, values, kind, grade, attribute, rule) -> None:
    finding = classify_column(name, values)
    assert (finding.kind, finding.suggested_grade) == (kind, grade)
    assert finding.suggested_open_attribute == attribute
    assert finding.suggested_masking == rule
    assert finding.confidence >= 0.9


def test_values_decide_without_a_name_hint() -> None:
    assert classify_column("代码", USCCS).kind == "uscc"
    assert classify_column("col7", IDS).kind == "resident_id"


def test_uscc_and_id_columns_are_told_apart_by_checksum() -> None:
    # A column of IDs named like a code column is still IDs; codes named like IDs stay codes.
    assert classify_column("信用代码", IDS).kind == "resident_id"
    assert classify_column("证件号码", USCCS).kind == "uscc"


def test_evidence_counts_and_masked_examples() -> None:
    values = [*IDS[:18], IDS[18][:-1] + ("0" if IDS[18][-1] != "0" else "1"), "无"]
    finding = classify_column("身份证号", values)
    evidence = finding.evidence
    assert (evidence["checked"], evidence["valid"], evidence["matched"]) == (20, 18, 19)
    assert len(evidence["examples"]) == 3
    assert all("*" in example for example in evidence["examples"])
    assert not any(example in IDS for example in evidence["examples"])


def test_already_masked_columns_grade_lower() -> None:
    finding = classify_column("手机号", ["138****5678", "139****0000"] * 10)
    assert finding.kind == "mobile" and finding.suggested_grade == "L2"
    assert finding.suggested_masking == "keep"


def test_non_pii_columns() -> None:
    assert classify_column("发布日期", ["2020-03-07"] * 30).kind is None
    assert classify_column("金额", ["123.45", "99.10"] * 30).kind is None
    assert classify_column("企业名称", ["台州市某某有限公司", "浙江省交通集团"] * 10).kind is None


def test_name_hint_alone_flags_empty_columns() -> None:
    finding = classify_column("身份证号", [None, None, ""])
    assert finding.kind == "resident_id" and finding.suggested_grade == "L4"
    assert finding.confidence == 0.5


def test_free_text_column_is_scanned() -> None:
    values = [
        "申请人张伟电话13812345678，住址浙江省台州市椒江区东山路88号",
        "无异常情况，资料齐全。",
    ] * 10
    finding = classify_column("备注", values)
    assert finding.kind in {"mobile", "address"} and finding.suggested_masking == "redact"
    assert finding.suggested_grade == "L3"


def test_mixed_phone_column_takes_the_stricter_grade() -> None:
    finding = classify_column("联系电话", ["0576-88123456", "13812345678"] * 10)
    assert finding.kind in {"mobile", "landline"} and finding.suggested_grade == "L3"


def test_dataset_grade_is_the_highest() -> None:
    findings = classify_table(
        {"姓名": ["张伟", "王芳"] * 5, "身份证号": IDS[:10], "金额": ["1"] * 10}
    )
    assert suggest_dataset_grade(findings) == "L4"
    assert suggest_dataset_grade([]) == "L1"


def test_scan_table_and_json_keys() -> None:
    table = pa.table(
        {
            "xm": ["张伟", "王芳", "李娜"] * 500,
            "sfzh": (IDS * 13)[:1500],
            "population": list(range(1500)),
            "lat": [28.656386, 28.123456, 28.5] * 500,
        }
    )
    findings = scan_table(table)
    assert [f.kind for f in findings] == ["person_name", "resident_id", None, "coordinates"]
    rendered = findings_to_json(findings)
    assert all(tuple(item) == JSON_KEYS for item in rendered)
    json.dumps(rendered, ensure_ascii=False)
