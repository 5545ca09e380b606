"""Masking operators, rule parsing and table application."""

from __future__ import annotations

import datetime
import random

import pyarrow as pa
import pytest

from kaifang import checksums
from kaifang.errors import InvalidInput
from kaifang.privacy.masking import apply_rule, apply_rules, derive_dataset_key, parse_rule

KEY = derive_dataset_key(b"master-key-for-tests-0123456789", "dataset-1")
OTHER_KEY = derive_dataset_key(b"master-key-for-tests-0123456789", "dataset-2")
RNG = random.Random(99)


def test_mask_keeps_first_and_last_on_lists_and_arrays() -> None:
    values = ["110101199003071234", None, "ab", "13812345678"]
    expected = ["110***********1234", None, "**", "138****5678"]
    assert apply_rule("mask:keep=3,4", values, key=KEY) == expected
    assert apply_rule("mask:keep=3,4", pa.array(values), key=KEY).to_pylist() == expected


@pytest.mark.parametrize(
    ("rule", "value", "masked"),
    [
        ("mask:keep=1,0", "欧阳娜娜", "欧***"),
        ("mask:keep=6,4;char=#", "6222021234567890123", "622202#########0123"),
        ("mask:email", "zhang.wei@example.com", "z***@example.com"),
    ],
)
def test_mask_variants(rule: str, value: str, masked: str) -> None:
    assert apply_rule(rule, [value], key=KEY) == [masked]
    assert apply_rule(rule, pa.array([value]), key=KEY).to_pylist() == [masked]


def test_pseudonym_is_stable_within_and_unlinkable_across_datasets() -> None:
    [a, b, c] = apply_rule(
        "pseudonym", ["11010519491231002X", " 11010519491231002x", None], key=KEY
    )
    assert a == b and c is None and len(a) == 24
    assert apply_rule("pseudonym", ["11010519491231002X"], key=OTHER_KEY) != [a]
    sm3 = apply_rule("pseudonym:alg=sm3;len=16", ["11010519491231002X"], key=KEY)[0]
    assert len(sm3) == 16 and sm3 != a[:16]


def test_derive_dataset_key_refuses_weak_input() -> None:
    with pytest.raises(InvalidInput):
        derive_dataset_key(b"short", "x")
    with pytest.raises(InvalidInput):
        derive_dataset_key(b"k" * 32, "")
    assert len(derive_dataset_key(b"k" * 32, "x", algorithm="sm3")) == 32


def test_substitute_produces_valid_deterministic_fakes() -> None:
    person_id = checksums.make_resident_id(RNG)
    card = checksums.make_bank_card(RNG, 19)
    code = checksums.make_uscc(RNG)
    mobile = "13812345678"
    values = [person_id, mobile, card, code, "hello", None]
    fakes = apply_rule("substitute", values, key=KEY)
    assert fakes == apply_rule("substitute", pa.array(values), key=KEY).to_pylist()
    fake_id, fake_mobile, fake_card, fake_code, garbage, none = fakes
    assert checksums.is_valid_resident_id(fake_id) and fake_id != person_id
    assert checksums.is_valid_mobile(fake_mobile) and fake_mobile[:3] == "138"
    assert checksums.is_valid_bank_card(fake_card) and fake_card[:6] == card[:6]
    assert checksums.is_valid_uscc(fake_code) and fake_code[:2] == code[:2]
    assert garbage is None and none is None
    assert apply_rule("substitute", values, key=OTHER_KEY)[0] != fake_id


def test_substitute_with_kind_suppresses_other_values() -> None:
    assert (
        apply_rule("substitute:kind=mobile", ["13812345678", "0576-88123456"], key=KEY)[1] is None
    )


def test_generalize_dates_ages_addresses_grids_ips() -> None:
    assert apply_rule(
        "generalize:year", ["1990-03-07", "1990年3月7日", "19900307", "x"], key=KEY
    ) == [
        "1990",
        "1990",
        "1990",
        None,
    ]
    dates = pa.array([datetime.date(1990, 3, 7), None])
    assert apply_rule("generalize:month", dates, key=KEY).to_pylist() == ["1990-03", None]
    assert apply_rule("generalize:age", [34, 5, 95, "40岁"], key=KEY) == [
        "30-39",
        "0-9",
        "90+",
        "40-49",
    ]
    assert apply_rule("generalize:age=5", [34], key=KEY) == ["30-34"]
    assert apply_rule("generalize:district", ["浙江省台州市椒江区海门街道东山路88号"], key=KEY) == [
        "浙江省台州市椒江区"
    ]
    assert apply_rule("generalize:grid=0.01", pa.array([121.420757]), key=KEY).to_pylist() == [
        121.42
    ]
    assert apply_rule("generalize:grid", ["28.656386,121.420757"], key=KEY) == ["28.66,121.42"]
    assert apply_rule(
        "generalize:ip", ["192.168.1.20", "2001:db8:85a3::8a2e:370:7334"], key=KEY
    ) == [
        "192.168.1.0",
        "2001:db8:85a3::",
    ]


def test_suppress_drop_keep_and_redact() -> None:
    assert apply_rule("suppress", pa.array([1, 2]), key=KEY).to_pylist() == [None, None]
    assert apply_rule("drop", ["a"], key=KEY) == [None]
    assert apply_rule("keep", ["a"], key=KEY) == ["a"]
    assert apply_rule("redact", ["申请人张伟电话13812345678"], key=KEY) == [
        "申请人**电话***********"
    ]
    assert apply_rule("redact:kinds=mobile", ["张伟13812345678"], key=KEY) == ["张伟***********"]


def test_apply_rules_on_a_table() -> None:
    table = pa.table(
        {"id": [1, 2], "mobile": ["13812345678", "13912345678"], "name": ["张伟", "王芳"]}
    )
    masked = apply_rules(
        table, {"id": "drop", "mobile": "mask:keep=3,4", "name": "pseudonym"}, key=KEY
    )
    assert masked.column_names == ["mobile", "name"]
    assert masked["mobile"].to_pylist() == ["138****5678", "139****5678"]
    with pytest.raises(InvalidInput, match="no such column"):
        apply_rules(table, {"missing": "keep"}, key=KEY)


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "foo",
        "mask:keep=3",
        "mask:keep=a,b",
        "mask:foo=1",
        "mask:char=**",
        "pseudonym:alg=md5",
        "pseudonym:len=2",
        "generalize:decade",
        "generalize",
        "generalize:grid=abc",
        "substitute:kind=email",
        "redact:kinds=xx",
        "keep:now",
        "mask:keep=1,2;keep=3,4",
    ],
)
def test_invalid_rules_raise_invalid_input(rule: str) -> None:
    with pytest.raises(InvalidInput, match="rule"):
        parse_rule(rule)


def test_rules_round_trip() -> None:
    for rule in [
        "keep",
        "mask:keep=3,4",
        "mask:email",
        "pseudonym:alg=sm3;len=16",
        "substitute",
        "substitute:kind=uscc",
        "generalize:year",
        "generalize:age=5",
        "generalize:street",
        "generalize:grid=0.001",
        "generalize:ip=16",
        "suppress",
        "drop",
        "redact:kinds=mobile",
    ]:
        operator = parse_rule(rule)
        assert parse_rule(operator.rule) == operator


def test_short_keys_are_refused() -> None:
    with pytest.raises(InvalidInput):
        apply_rule("pseudonym", ["x"], key=b"short")
