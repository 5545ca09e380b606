"""Fingerprint robustness (deletion, shuffling, reordering, alteration) and no false accusation."""

from __future__ import annotations

import random
from decimal import Decimal

import pyarrow as pa
import pytest

from kaifang import checksums
from kaifang.errors import InvalidInput
from kaifang.privacy.fingerprint import (
    detect,
    embed,
    embed_batch,
    plan_extract,
    plan_fingerprint,
)

KEY = b"fingerprint-test-key-0123456789ab"
CANDIDATES = range(1, 201)
TRIALS = 30


def make_table(rng: random.Random, rows: int = 1000, *, with_key: bool = True) -> pa.Table:
    columns = {
        "sfzh": [checksums.make_resident_id(rng) for _ in range(rows)],
        "姓名": [rng.choice("王李张刘陈") + rng.choice("伟芳娜敏静丽强") for _ in range(rows)],
        "收入": [round(rng.uniform(1000, 90000), 2) for _ in range(rows)],
        "人口数": [rng.randint(100, 50000) for _ in range(rows)],
        "性别代码": [rng.randint(1, 2) for _ in range(rows)],
        "年份": [rng.randint(2000, 2023) for _ in range(rows)],
    }
    if with_key:
        columns = {"编号": [f"R{i:07d}" for i in range(rows)], **columns}
    return pa.table(columns)


def attack(
    table: pa.Table, rng: random.Random, *, keep: float = 0.5, alter: float = 0.1
) -> pa.Table:
    """Delete rows, shuffle them, alter a share of numeric cells and reorder the columns."""
    rows = rng.sample(range(table.num_rows), int(table.num_rows * keep))
    table = table.take(pa.array(rows))
    for name in ("收入", "人口数"):
        values = table[name].to_pylist()
        for i, value in enumerate(values):
            if rng.random() < alter:
                values[i] = (
                    type(value)(value * rng.uniform(0.8, 1.2))
                    if name == "人口数"
                    else round(value * rng.uniform(0.8, 1.2), 2)
                )
        table = table.set_column(table.column_names.index(name), name, pa.array(values))
    names = table.column_names[:]
    rng.shuffle(names)
    return table.select(names)


def test_identifiers_stay_byte_identical_and_distortion_is_bounded() -> None:
    table = make_table(random.Random(1))
    marked = embed(table, key=KEY, recipient_id=7)
    for name in ("编号", "sfzh", "姓名", "性别代码", "年份"):
        assert marked[name] == table[name]
    before, after = table["收入"].to_pylist(), marked["收入"].to_pylist()
    assert max(abs(a - b) for a, b in zip(before, after, strict=True)) <= 0.0100001
    assert abs(sum(after) - sum(before)) / len(before) <= 0.01
    assert all(
        abs(a - b) <= 1
        for a, b in zip(table["人口数"].to_pylist(), marked["人口数"].to_pylist(), strict=True)
    )
    assert plan_fingerprint(table) == ("编号", {"人口数": 0, "收入": 2})


@pytest.mark.parametrize("with_key", [True, False])
def test_recipient_traced_after_deletion_and_alteration(with_key: bool) -> None:
    rng = random.Random(2024 + with_key)
    base = make_table(rng, with_key=with_key)
    identified = 0
    for _ in range(TRIALS):
        recipient = rng.choice(CANDIDATES)
        leaked = attack(embed(base, key=KEY, recipient_id=recipient), rng)
        result = detect(leaked, key=KEY, candidates=CANDIDATES)
        assert result.recipient_id in (recipient, None)  # never the wrong one
        identified += result.recipient_id == recipient
    assert identified == TRIALS


def test_no_false_accusation_on_unmarked_or_other_recipients_files() -> None:
    rng = random.Random(77)
    for _ in range(TRIALS):
        base = make_table(rng, rows=600)
        unmarked = detect(attack(base, rng), key=KEY, candidates=CANDIDATES)
        assert unmarked.recipient_id is None and unmarked.message == "no fingerprint found"
        outsider = detect(
            attack(embed(base, key=KEY, recipient_id=999), rng), key=KEY, candidates=CANDIDATES
        )
        assert outsider.recipient_id is None
        wrong_key = detect(
            embed(base, key=KEY, recipient_id=5),
            key=b"another-key-0123456789abcdef",
            candidates=CANDIDATES,
        )
        assert wrong_key.recipient_id is None


def test_detect_reports_its_evidence() -> None:
    table = make_table(random.Random(3))
    result = detect(embed(table, key=KEY, recipient_id=42), key=KEY, candidates=[41, 42, 43])
    assert result.recipient_id == 42 and result.confidence > 0.999999
    assert result.details["matches"] == result.details["bits_decided"] == 64
    assert "recipient 42" in result.message


def test_tables_without_markable_columns_are_refused() -> None:
    table = pa.table({"sfzh": ["11010519491231002X"], "name": ["张伟"]})
    with pytest.raises(InvalidInput, match="no numeric"):
        embed(table, key=KEY, recipient_id=1)
    with pytest.raises(InvalidInput):
        embed(make_table(random.Random(4)), key=KEY, recipient_id=1, columns=["sfzh"])
    with pytest.raises(InvalidInput):
        detect(table, key=KEY, candidates=[])


def test_too_small_a_leak_says_nothing() -> None:
    table = make_table(random.Random(5), rows=20)
    result = detect(embed(table, key=KEY, recipient_id=1), key=KEY, candidates=CANDIDATES)
    assert result.recipient_id is None and result.details["reason"]


def test_batches_marked_with_one_plan_equal_the_whole_table_marked() -> None:
    table = make_table(random.Random(9), rows=1000)
    plan = plan_extract(table.slice(0, 300))
    assert plan is not None and plan.key_column == "编号"
    batches = [embed_batch(b, plan, key=KEY, recipient_id=8) for b in table.to_batches(300)]
    assert pa.Table.from_batches(batches) == embed(table, key=KEY, recipient_id=8)
    assert plan_extract(pa.table({"名称": ["甲", "乙"]})) is None


def test_decimal_columns_carry_the_mark_and_keep_their_type() -> None:
    rng = random.Random(12)
    table = make_table(rng, rows=1000)
    amounts = [Decimal(f"{rng.uniform(1000, 90000):.2f}") for _ in range(1000)]
    table = table.append_column("补助金额", pa.array(amounts, pa.decimal128(18, 2)))
    marked = embed(table, key=KEY, recipient_id=3, columns=["补助金额"])
    assert marked.schema == table.schema
    moved = [abs(a - b) for a, b in zip(amounts, marked["补助金额"].to_pylist(), strict=True)]
    assert max(moved) == Decimal("0.01") and 0 < sum(m > 0 for m in moved) < 1000
    leaked = attack(marked, rng)
    found = detect(leaked, key=KEY, candidates=CANDIDATES, columns=["补助金额"])
    assert found.recipient_id == 3
