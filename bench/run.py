"""Run every benchmark in turn (`make bench`); each writes its own results file.

Usage: ``python -m bench.run [NAME ...]`` with names from BENCHMARKS (default: all). The
numbers are folded into docs/benchmarks.md by hand, with the machine's load noted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS: dict[str, list[str]] = {
    "usage": ["bench/governance/bench_usage.py"],
    "ingest": ["bench/ingest/run.py"],
    "datastore": ["bench/datastore/bench_datastore.py"],
    "search": ["-m", "bench.search.run"],
    "catalog": ["bench/catalog/bench_bulk_import.py"],
    "quality": ["bench/catalog/bench_quality.py"],
    "privacy": ["bench/privacy/run_detection.py"],
    "fingerprint": ["bench/privacy/run_fingerprint.py"],
    "harvest": ["bench/harvest/bench_harvest.py"],
    "ratelimit": ["bench/access/bench_rate_limit.py"],
    "pages": ["-m", "bench.pages.run"],
}


def main(names: list[str]) -> int:
    failed = []
    for name in names or list(BENCHMARKS):
        print(f"== {name}", flush=True)
        code = subprocess.call([sys.executable, *BENCHMARKS[name]], cwd=ROOT)
        if code:
            failed.append(name)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
