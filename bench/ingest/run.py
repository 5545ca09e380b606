"""Benchmark ``ingest_file`` against bare DuckDB on the same machine, in the same run.

Usage: ``python bench/ingest/run.py [DATA_DIR] [--runs 3] [--json results.json]``.
Generates the inputs first if they are missing (``generate.py``). Every measurement runs in a
fresh subprocess (imports excluded from the timing); the table reports medians, peak RSS of the
child process and the ratios the targets are stated in (data-pipeline.md §5):

* UTF-8 CSV, 1M rows: <= 5 s and <= 3x bare DuckDB ``read_csv -> Parquet``;
* GB18030 CSV, 1M rows: <= 1.5x the UTF-8 ingest;
* XLSX, 100k rows: <= 2 s (inline strings, and shared strings as Excel and WPS write);
* peak RSS <= 1 GB;
* and, for comparison, PostgreSQL ``COPY ... FROM STDIN (FORMAT csv)`` of the same UTF-8 file
  into an all-text table: the loading step of CKAN's xloader (and of DataPusher+ after its
  analysis). CPU seconds for that case are the client's plus the server backend's, read from
  ``/proc``; its RSS is the client's only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write_csv, write_xlsx  # noqa: E402

CHILD_INGEST = """
import json, resource, sys, time
from pathlib import Path
from kaifang.ingest import IngestOptions, ingest_file
src, out = Path(sys.argv[1]), Path(sys.argv[2])
# Children count too: spreadsheets are parsed in a sandboxed child process.
cpu = lambda: sum(sum(resource.getrusage(who)[:2]) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
start, cpu0 = time.perf_counter(), cpu()
result = ingest_file(src, filename=src.name, options=IngestOptions(output_path=out))
seconds, cpu_s = time.perf_counter() - start, cpu() - cpu0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "cpu": cpu_s, "rss": rss, "rows": result.rows}))
"""

CHILD_BARE = """
import json, resource, sys, time
import duckdb
src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
start, cpu0 = time.perf_counter(), cpu()
con.execute(f"COPY (SELECT * FROM read_csv('{src}')) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
seconds, cpu_s = time.perf_counter() - start, cpu() - cpu0
rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "cpu": cpu_s, "rss": rss, "rows": rows}))
"""


CHILD_PG_COPY = """
import json, os, resource, sys, time, uuid
import psycopg
src, url = sys.argv[1], os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
table = "bench_copy_" + uuid.uuid4().hex[:8]
def backend_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
with open(src, encoding="utf-8") as f:
    header = f.readline().strip().split(",")
with psycopg.connect(url, autocommit=True) as con:
    pid = con.execute("SELECT pg_backend_pid()").fetchone()[0]
    columns = ", ".join(f'"{name}" text' for name in header)
    con.execute(f"CREATE UNLOGGED TABLE {table} ({columns})")
    try:
        start, cpu0, server0 = time.perf_counter(), cpu(), backend_cpu(pid)
        with con.cursor() as cur, open(src, "rb") as f:
            with cur.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        seconds = time.perf_counter() - start
        cpu_s = cpu() - cpu0 + backend_cpu(pid) - server0
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.execute(f"DROP TABLE {table}")
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "cpu": cpu_s, "rss": rss, "rows": rows}))
"""


def ensure_inputs(data: Path, rows: int, xlsx_rows: int) -> dict[str, Path]:
    data.mkdir(parents=True, exist_ok=True)
    files = {
        "utf8": data / "utf8.csv",
        "gb18030": data / "gb18030.csv",
        "xlsx": data / "rows.xlsx",
        "xlsx_shared": data / "rows-shared.xlsx",
        "xlsx_mixed": data / "rows-mixed.xlsx",
    }
    if not files["utf8"].exists():
        write_csv(files["utf8"], rows, "utf-8")
    if not files["gb18030"].exists():
        write_csv(files["gb18030"], rows, "gb18030")
    if not files["xlsx"].exists():
        write_xlsx(files["xlsx"], xlsx_rows)
    if not files["xlsx_shared"].exists():
        write_xlsx(files["xlsx_shared"], xlsx_rows, shared_strings=True)
    if not files["xlsx_mixed"].exists():
        write_xlsx(files["xlsx_mixed"], xlsx_rows, shared_strings=True, missing_marks=True)
    return files


def run_once(code: str, source: Path, out: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code, str(source), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(cases: dict[str, tuple[str, Path]], runs: int) -> dict[str, dict[str, float]]:
    """Run every case ``runs`` times, interleaved, so machine noise hits all cases alike."""
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            for name, (code, source) in cases.items():
                out = Path(tmp) / f"{name}-{run}.parquet"
                samples[name].append(run_once(code, source, out))
                out.unlink(missing_ok=True)
    return {
        name: {
            "seconds": statistics.median(s["seconds"] for s in runs_),
            "cpu_seconds": statistics.median(s["cpu"] for s in runs_),
            "rss_mb": statistics.median(s["rss"] for s in runs_) / 1e6,
            "rows": runs_[0]["rows"],
            "runs": [round(s["seconds"], 2) for s in runs_],
        }
        for name, runs_ in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", nargs="?", default=HERE / "data", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    files = ensure_inputs(args.data, args.rows, args.xlsx_rows)
    cases = {
        "bare_duckdb_utf8": (CHILD_BARE, files["utf8"]),
        "ingest_utf8": (CHILD_INGEST, files["utf8"]),
        "ingest_gb18030": (CHILD_INGEST, files["gb18030"]),
        "ingest_xlsx": (CHILD_INGEST, files["xlsx"]),
        "ingest_xlsx_shared": (CHILD_INGEST, files["xlsx_shared"]),
        "ingest_xlsx_mixed": (CHILD_INGEST, files["xlsx_mixed"]),
        "postgres_copy_utf8": (CHILD_PG_COPY, files["utf8"]),
    }
    results = measure(cases, args.runs)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def report(results: dict[str, dict[str, float]]) -> None:
    bare = results["bare_duckdb_utf8"]["seconds"]
    utf8 = results["ingest_utf8"]["seconds"]
    print(f"{'case':<20}{'rows':>10}{'median s':>10}{'CPU s':>8}{'peak RSS MB':>13}  runs (s)")
    for name, r in results.items():
        print(
            f"{name:<20}{r['rows']:>10}{r['seconds']:>10.2f}{r['cpu_seconds']:>8.2f}"
            f"{r['rss_mb']:>13.0f}  {r['runs']}"
        )
    pg = results["postgres_copy_utf8"]
    print(
        f"UTF-8 ingest / PostgreSQL COPY = {utf8 / pg['seconds']:.2f} wall, "
        f"{results['ingest_utf8']['cpu_seconds'] / pg['cpu_seconds']:.2f} CPU"
    )
    checks = [
        ("UTF-8 1M <= 5 s", utf8 <= 5),
        (f"UTF-8 / bare DuckDB = {utf8 / bare:.2f} <= 3", utf8 / bare <= 3),
        (
            f"GB18030 / UTF-8 = {results['ingest_gb18030']['seconds'] / utf8:.2f} <= 1.5",
            results["ingest_gb18030"]["seconds"] / utf8 <= 1.5,
        ),
        ("XLSX 100k <= 2 s", results["ingest_xlsx"]["seconds"] <= 2),
        ("XLSX 100k shared strings <= 2 s", results["ingest_xlsx_shared"]["seconds"] <= 2),
        ("peak RSS <= 1 GB", max(r["rss_mb"] for r in results.values()) <= 1000),
    ]
    for label, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {label}")
    mixed = results["ingest_xlsx_mixed"]["seconds"] / results["ingest_xlsx_shared"]["seconds"]
    print(f"info  XLSX with a mixed column / shared strings = {mixed:.2f} (the whole parse serves)")


if __name__ == "__main__":
    main()
