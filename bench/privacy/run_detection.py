"""Recall, precision and throughput of the PII detectors on the generated corpus.

Usage: ``python bench/privacy/run_detection.py [--docs 20000] [--seed 2024] [--runs 5]``

Structured types and names are scored on exact spans; addresses on overlap (a gold
address counts as found when a predicted address covers at least half of it; a predicted
address is correct when it overlaps a gold one). Throughput is the median of ``--runs``
passes, per document and over the corpus joined into one text, single process, in CPU
time (``time.process_time``) so that other load on a shared machine does not count.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Document, generate

from kaifang.privacy.analyzer import analyze
from kaifang.privacy.registry import KINDS

STRUCTURED = (
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
)
TARGETS = {
    "resident_id": (0.99, 0.98),
    "mobile": (0.99, 0.98),
    "bank_card": (0.99, 0.98),
    "uscc": (0.99, 0.98),
    "plate": (0.98, 0.98),
    "person_name": (0.90, 0.85),
    "address": (0.85, None),
}


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score(docs: list[Document]) -> dict[str, dict[str, float]]:
    """Return per-kind tp/fp/fn counts with recall and precision."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in docs:
        predicted = [(f.type, f.start, f.end) for f in analyze(doc.text)]
        for kind in KINDS:
            gold = [(s, e) for k, s, e in doc.spans if k == kind]
            found = [(s, e) for k, s, e in predicted if k == kind]
            if kind == "address":
                tp = sum(1 for g in gold if any(_overlap(g, p) * 2 >= g[1] - g[0] for p in found))
                fp = sum(1 for p in found if not any(_overlap(g, p) for g in gold))
            else:
                tp = len(set(gold) & set(found))
                fp = len(set(found) - set(gold))
            counts[kind].update(tp=tp, fp=fp, fn=len(gold) - tp)
    table: dict[str, dict[str, float]] = {}
    for kind, c in counts.items():
        if not c["tp"] + c["fn"] + c["fp"]:
            continue
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        table[kind] = {**c, "recall": recall, "precision": precision}
    return table


def throughput(
    docs: list[Document], kinds: tuple[str, ...] | None, runs: int
) -> tuple[float, float]:
    """Return median chars/s: one call per document, and the corpus as one joined text."""
    texts = [doc.text for doc in docs]
    chars = sum(map(len, texts))
    joined = "\n".join(texts)
    timings: list[list[float]] = [[], []]
    for _ in range(runs):
        started = time.process_time()
        for text in texts:
            analyze(text, kinds=kinds)
        timings[0].append(chars / (time.process_time() - started))
        started = time.process_time()
        analyze(joined, kinds=kinds)
        timings[1].append(chars / (time.process_time() - started))
    per_doc, whole = (statistics.median(t) for t in timings)
    return per_doc, whole


def main() -> None:
    """Print the quality table and the throughput lines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    docs = generate(args.docs, args.seed)
    analyze("预热 warm-up 张伟 13812345678 浙江省台州市椒江区东山路1号")
    chars = sum(len(doc.text) for doc in docs)
    print(f"corpus: {len(docs)} documents, {chars} characters, seed {args.seed}")
    print(
        f"{'kind':<14}{'gold':>7}{'tp':>7}{'fp':>6}{'fn':>6}{'recall':>9}{'precision':>11}  target"
    )
    for kind, row in sorted(score(docs).items()):
        target = TARGETS.get(kind)
        met = ""
        if target:
            ok = row["recall"] >= target[0] and (target[1] is None or row["precision"] >= target[1])
            met = (
                ("met " if ok else "MISSED ")
                + f"R>={target[0]}"
                + (f" P>={target[1]}" if target[1] else "")
            )
        gold = int(row["tp"] + row["fn"])
        print(
            f"{kind:<14}{gold:>7}{int(row['tp']):>7}{int(row['fp']):>6}{int(row['fn']):>6}"
            f"{row['recall']:>9.4f}{row['precision']:>11.4f}  {met}"
        )
    for label, kinds in (("structured", STRUCTURED), ("all kinds", None)):
        per_doc, whole = throughput(docs, kinds, args.runs)
        print(
            f"throughput {label:<11}: {per_doc / 1e6:.2f} Mchar/s one call per document, "
            f"{whole / 1e6:.2f} Mchar/s as one text"
        )


if __name__ == "__main__":
    main()
