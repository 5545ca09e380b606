"""`kaifang demo load` with and without the 2021 plan (open lists, usage events, index).

Usage: ``.venv/bin/python bench/demo/bench_demo_load.py [--rounds 3]
[--out bench/demo/RESULTS.md]``.

Each round migrates two fresh SQLite data directories and runs, in alternating order,
``demo load --no-plan`` (the baseline: regions, organizations, accounts, catalogue with its
tables) and ``demo load`` (the same plus the 2021 plan), then a second ``demo load`` on the
full one (the idempotent re-run). Reports the medians and the ratio full / baseline.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KAIFANG = str(Path(sys.executable).with_name("kaifang"))


def _run(data_dir: str, *args: str) -> float:
    env = {**os.environ, "KAIFANG_DATA_DIR": data_dir}
    env.pop("KAIFANG_DATABASE_URL", None)
    start = time.perf_counter()
    subprocess.run([KAIFANG, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _round(n: int) -> dict[str, float]:
    times: dict[str, float] = {}
    order = ("baseline", "full") if n % 2 == 0 else ("full", "baseline")
    for name in order:
        with tempfile.TemporaryDirectory(prefix="kf-bench-demo-") as tmp:
            _run(tmp, "db", "upgrade")
            extra = ("--no-plan",) if name == "baseline" else ()
            times[name] = _run(tmp, "demo", "load", *extra)
            if name == "full":
                times["rerun"] = _run(tmp, "demo", "load")
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/demo/RESULTS.md"))
    args = parser.parse_args()
    rounds = [_round(n) for n in range(args.rounds)]
    med = {k: statistics.median(r[k] for r in rounds) for k in ("baseline", "full", "rerun")}
    lines = [
        "# `demo load` with and without the 2021 plan",
        "",
        f"{platform.platform()}, Python {platform.python_version()}, {args.rounds} rounds, SQLite",
        "",
        "| run | median s | rounds s |",
        "| --- | ---: | --- |",
        *(
            f"| {k} | {med[k]:.1f} | {', '.join(f'{r[k]:.1f}' for r in rounds)} |"
            for k in ("baseline", "full", "rerun")
        ),
        "",
        f"full / baseline = {med['full'] / med['baseline']:.2f}",
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
