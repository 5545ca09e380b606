"""One ingest case, this checkout against a baseline source tree, side by side in one run.

Usage: ``python bench/ingest/versus.py BASELINE_SRC [DATA_DIR] [--case xlsx] [--runs 5]``,
where ``BASELINE_SRC`` is the ``src`` directory of the baseline, e.g. from
``git archive main src | tar -x -C /tmp/baseline``. Both run the same child as ``run.py``
(fresh subprocess, imports excluded), interleaved so machine noise hits them alike; medians of
wall and CPU seconds and their ratios are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write_csv, write_xlsx  # noqa: E402

from run import CHILD_INGEST  # noqa: E402

CURRENT_SRC = HERE.parent.parent / "src"
FILES = {
    "xlsx": "rows.xlsx",
    "xlsx_shared": "rows-shared.xlsx",
    "xlsx_mixed": "rows-mixed.xlsx",
    "utf8": "utf8.csv",
    "gb18030": "gb18030.csv",
}


def input_file(data: Path, case: str) -> Path:
    """The case's input as ``run.py`` names it, generated if missing (only that one)."""
    path = data / FILES[case]
    if not path.exists():
        data.mkdir(parents=True, exist_ok=True)
        if case.startswith("xlsx"):
            write_xlsx(
                path,
                100_000,
                shared_strings=case != "xlsx",
                missing_marks=case == "xlsx_mixed",
            )
        else:
            write_csv(path, 1_000_000, "utf-8" if case == "utf8" else "gb18030")
    return path


def run_child(src_dir: Path, source: Path, out: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src_dir)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD_INGEST, str(source), str(out)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("baseline", type=Path)
    parser.add_argument("data", nargs="?", default=HERE / "data", type=Path)
    parser.add_argument("--case", default="xlsx", choices=sorted(FILES))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    source = input_file(args.data, args.case)
    trees = {"baseline": args.baseline.resolve(), "current": CURRENT_SRC}
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for name, tree in trees.items():
                samples[name].append(run_child(tree, source, Path(tmp) / f"{name}-{run}.parquet"))
    report(samples)


def report(samples: dict[str, list[dict[str, float]]]) -> None:
    medians = {
        name: (
            statistics.median(s["seconds"] for s in runs),
            statistics.median(s["cpu"] for s in runs),
        )
        for name, runs in samples.items()
    }
    print(f"{'tree':<10}{'median s':>10}{'CPU s':>8}  runs wall (s) / CPU (s)")
    for name, runs in samples.items():
        wall, cpu = medians[name]
        walls = [round(s["seconds"], 2) for s in runs]
        cpus = [round(s["cpu"], 2) for s in runs]
        print(f"{name:<10}{wall:>10.2f}{cpu:>8.2f}  {walls} / {cpus}")
    (base_wall, base_cpu), (cur_wall, cur_cpu) = medians["baseline"], medians["current"]
    print(f"current / baseline = {cur_wall / base_wall:.2f} wall, {cur_cpu / base_cpu:.2f} CPU")


if __name__ == "__main__":
    main()
