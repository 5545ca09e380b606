"""Fingerprint robustness and false-accusation rates over many trials.

Usage: ``python bench/privacy/run_fingerprint.py [--trials 1000] [--rows 2000] [--seed 7]``

Each trial draws a table, embeds the fingerprint of a random recipient among
``--candidates``, attacks the copy (delete half the rows, shuffle, reorder columns, alter
10% of the numeric cells by up to ±20%) and runs detection. The same number of trials
is run on unmarked copies and on copies marked for a recipient outside the candidates;
any name returned there is a false accusation. Distortion is the mean relative change of
each marked column's mean and variance.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kaifang import checksums
from kaifang.privacy.fingerprint import detect, embed

KEY = b"bench-fingerprint-key-0123456789"


def make_table(rng: random.Random, rows: int) -> pa.Table:
    """Return a realistic extract: identifiers, a name, two measures and two codes."""
    return pa.table(
        {
            "编号": [f"R{i:07d}" for i in range(rows)],
            "sfzh": [checksums.make_resident_id(rng) for _ in range(rows)],
            "姓名": [
                rng.choice("王李张刘陈杨") + rng.choice("伟芳娜敏静丽强磊") for _ in range(rows)
            ],
            "收入": [round(rng.lognormvariate(10, 0.6), 2) for _ in range(rows)],
            "人口数": [rng.randint(100, 50000) for _ in range(rows)],
            "性别代码": [rng.randint(1, 2) for _ in range(rows)],
            "年份": [rng.randint(2000, 2023) for _ in range(rows)],
        }
    )


def attack(table: pa.Table, rng: random.Random, keep: float, alter: float) -> pa.Table:
    """Delete and shuffle rows, alter a share of the numeric cells, reorder the columns."""
    table = table.take(pa.array(rng.sample(range(table.num_rows), int(table.num_rows * keep))))
    for name in ("收入", "人口数"):
        values = table[name].to_pylist()
        for i, value in enumerate(values):
            if rng.random() < alter:
                changed = value * rng.uniform(0.8, 1.2)
                values[i] = round(changed, 2) if isinstance(value, float) else int(changed)
        table = table.set_column(table.column_names.index(name), name, pa.array(values))
    names = table.column_names[:]
    rng.shuffle(names)
    return table.select(names)


def drift(before: list[float], after: list[float]) -> tuple[float, float]:
    """Return the relative change of the mean and of the variance."""
    mean_b, mean_a = statistics.fmean(before), statistics.fmean(after)
    var_b, var_a = statistics.pvariance(before), statistics.pvariance(after)
    return abs(mean_a - mean_b) / abs(mean_b), abs(var_a - var_b) / var_b


def main() -> None:
    """Run the trials and print the rates."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--keep", type=float, default=0.5)
    parser.add_argument("--alter", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    candidates = range(1, args.candidates + 1)
    base_tables = [make_table(rng, args.rows) for _ in range(20)]
    traced = wrong = missed = false_unmarked = false_outsider = 0
    drifts: list[tuple[float, float]] = []
    min_confidence = 1.0
    started = time.perf_counter()
    for trial in range(args.trials):
        base = base_tables[trial % len(base_tables)]
        recipient = rng.choice(candidates)
        marked = embed(base, key=KEY, recipient_id=recipient)
        if trial < 50:
            drifts += [
                drift(base[c].to_pylist(), marked[c].to_pylist()) for c in ("收入", "人口数")
            ]
        result = detect(attack(marked, rng, args.keep, args.alter), key=KEY, candidates=candidates)
        if result.recipient_id == recipient:
            traced += 1
            min_confidence = min(min_confidence, result.confidence)
        elif result.recipient_id is None:
            missed += 1
        else:
            wrong += 1
        unmarked = detect(attack(base, rng, args.keep, args.alter), key=KEY, candidates=candidates)
        false_unmarked += unmarked.recipient_id is not None
        outsider_copy = embed(base, key=KEY, recipient_id=args.candidates + 1 + trial)
        outsider = detect(
            attack(outsider_copy, rng, args.keep, args.alter), key=KEY, candidates=candidates
        )
        false_outsider += outsider.recipient_id is not None
    elapsed = time.perf_counter() - started
    print(
        f"{args.trials} trials, {args.rows} rows, {args.candidates} candidates, "
        f"keep {args.keep:.0%} of rows, alter {args.alter:.0%} of cells ({elapsed:.1f} s)"
    )
    print(
        f"traced correctly : {traced}/{args.trials} = {traced / args.trials:.4f} (min confidence {min_confidence:.3g})"
    )
    print(f"not traced       : {missed}")
    print(f"wrong recipient  : {wrong}")
    print(
        f"false accusations: {false_unmarked} on unmarked copies, {false_outsider} on outsiders' copies"
    )
    print(
        f"distortion       : mean drift max {max(d[0] for d in drifts):.2e}, "
        f"variance drift max {max(d[1] for d in drifts):.2e}"
    )


if __name__ == "__main__":
    main()
