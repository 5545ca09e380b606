"""Bulk catalogue import benchmark: 10,000 datasets with 10 data items each.

Usage: ``.venv/bin/python bench/catalog/bench_bulk_import.py [--datasets N] [--items N]
[--backends sqlite,postgresql] [--out bench/catalog/RESULTS.md]``.

It generates a seeded XLSX in the import template (label variants included, a fifth of the rows
with a given catalogue code, the rest with generated ones, providers in the city and in three
counties), then on each reachable backend times: the first import (everything created), the
same file again (everything unchanged), a CSV of the datasets again (unchanged) and the XLSX
export. PostgreSQL is used when reachable at 127.0.0.1:5432 as user postgres; a temporary
database is created and dropped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from kaifang import migrate  # noqa: E402
from kaifang.auth import service as auth_service  # noqa: E402
from kaifang.auth.actor import SYSTEM, Actor  # noqa: E402
from kaifang.catalog.bulk import ImportReport, export_catalog, import_catalog  # noqa: E402
from kaifang.catalog.models import DataItem, Dataset  # noqa: E402
from kaifang.catalog.vocabularies import seed_vocabularies  # noqa: E402
from kaifang.config import Settings  # noqa: E402
from kaifang.db import Database, make_engine  # noqa: E402
from kaifang.search import tasks as _search_tasks  # noqa: E402, F401  (registers the reindex job)

TEMPLATE = "{region}-{klass}-{seq:05d}"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
COUNTIES = {"331002": "椒江区", "331003": "黄岩区", "331004": "路桥区"}
DOMAINS = ["交通出行", "市场监管", "社保就业", "生态环境", "信用服务", "教育科技", "卫生健康"]
FREQUENCIES = ["每日", "每周", "每月", "每季度", "每年", "不定期"]
SUBJECTS = [
    "公交线路",
    "企业登记",
    "社保参保",
    "空气质量",
    "行政许可",
    "学校名录",
    "医疗机构",
    "停车泊位",
]
# Deliberately not the template's labels: the importer must map portal variants.
DATASET_HEADER = [
    "目录编码",
    "资源名称",
    "摘要",
    "数源单位",
    "行政区划",
    "主题分类",
    "关键词",
    "开放类型",
    "更新周期",
    "资源格式",
    "联系电话",
]
ITEM_HEADER = [
    "目录编码",
    "数据集名称",
    "中文名称",
    "字段名",
    "字段类型",
    "长度",
    "敏感级别",
    "开放方式",
]


@dataclass
class Generated:
    """The workbook's bytes and the providers it names (seeded before importing)."""

    data: bytes
    organizations: list[tuple[str, str, str]] = field(default_factory=list)


def _organizations(count: int) -> list[tuple[str, str, str]]:
    """(name, slug, region) for ``count`` providers, a fifth of them county-level."""
    regions = list(COUNTIES)
    out = []
    for n in range(count):
        region = regions[n % len(regions)] if n % 5 == 4 else "3310"
        prefix = COUNTIES.get(region, "台州市")
        out.append((f"{prefix}第{n + 1}局", f"bench-org-{n + 1}", region))
    return out


def generate(datasets: int, items: int, seed: int = 20261122) -> Generated:
    """A seeded template workbook with ``datasets`` rows and ``items`` item rows per dataset."""
    rnd = random.Random(seed)
    orgs = _organizations(max(1, datasets // 100))
    with tempfile.TemporaryDirectory(prefix="kaifang-bench-") as tmp:
        path = Path(tmp) / "catalogue.xlsx"
        _write_workbook(path, rnd, orgs, datasets, items)
        return Generated(path.read_bytes(), orgs)


def _write_workbook(
    path: Path, rnd: random.Random, orgs: list[tuple[str, str, str]], datasets: int, items: int
) -> None:
    """Both sheets, row by row; every seventh dataset is restricted, with one L2 item."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet, item_sheet = book.add_worksheet("数据集"), book.add_worksheet("数据项")
    sheet.write_row(0, 0, DATASET_HEADER)
    item_sheet.write_row(0, 0, ITEM_HEADER)
    item_row = 1
    for n in range(datasets):
        name, _slug, region = orgs[n % len(orgs)]
        title = f"{rnd.choice(SUBJECTS)}信息{n + 1:05d}"
        code = f"{region.ljust(6, '0')}-G99{n % 1000:03d}-{n + 1:05d}" if n % 5 == 0 else ""
        domains = "、".join(rnd.sample(DOMAINS, rnd.randint(1, 2)))
        attribute = "受限开放" if n % 7 == 0 else "无条件开放"
        row = [
            code,
            title,
            f"{title}，由{name}按月归集。",
            name,
            "",
            domains,
            "公开;数据",
            attribute,
        ]
        row += [rnd.choice(FREQUENCIES), "CSV、XLSX", "0576-8888" + f"{n % 10000:04d}"]
        for col, value in enumerate(row):
            sheet.write_string(n + 1, col, value)
        for i in range(items):
            grade = "低敏感" if attribute == "受限开放" and i == 0 else "不敏感"
            cells = [code, title, f"字段{i + 1}", f"field_{i + 1}", "字符型", 50, grade, ""]
            for col, value in enumerate(cells):
                if isinstance(value, int):
                    item_sheet.write_number(item_row, col, value)
                elif value:
                    item_sheet.write_string(item_row, col, value)
            item_row += 1
    book.close()


def seed(db: Database, orgs: list[tuple[str, str, str]]) -> Actor:
    """Vocabularies, the city and counties, the providers and a platform admin."""
    with db.unit_of_work() as session:
        seed_vocabularies(session)
        auth_service.create_region(session, code="33", name="浙江省", parent_code=None)
        auth_service.create_region(session, code="3310", name="台州市", parent_code="33")
        for code, name in COUNTIES.items():
            auth_service.create_region(session, code=code, name=name, parent_code="3310")
        session.flush()
        for name, slug, region in orgs:
            auth_service.create_organization(
                session, actor=SYSTEM, name=name, slug=slug, region_code=region
            )
        admin = auth_service.create_user(
            session, actor=SYSTEM, username="bench-admin", password="bench-password", role="admin"
        )
        session.flush()
        return auth_service.actor_for(admin)


@contextmanager
def timed(results: dict[str, tuple[float, float]], key: str) -> Iterator[None]:
    """Wall-clock and CPU seconds of the block (CPU shows the cost when the machine is busy)."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    results[key] = (time.perf_counter() - wall, time.process_time() - cpu)


def _import(db: Database, actor: Actor, data: bytes, name: str) -> ImportReport:
    with db.unit_of_work() as session:
        return import_catalog(
            session, actor=actor, data=data, filename=name, code_template=TEMPLATE
        )


def run_backend(db: Database, generated: Generated) -> dict[str, object]:
    """Time import, re-import, CSV re-import and export on one database."""
    actor = seed(db, generated.organizations)
    times: dict[str, tuple[float, float]] = {}
    with timed(times, "import"):
        first = _import(db, actor, generated.data, "catalogue.xlsx")
    assert first.ok and first.created > 0, first.errors[:5]
    with timed(times, "reimport"):
        again = _import(db, actor, generated.data, "catalogue.xlsx")
    assert again.ok and again.unchanged == first.created, (again.errors[:5], again.as_dict())
    with db.unit_of_work(write=False) as session, timed(times, "export_xlsx"):
        exported = export_catalog(session, actor=actor, fmt="xlsx")
    with db.unit_of_work(write=False) as session:
        csv_data = export_catalog(session, actor=actor, fmt="csv")
        counts = (
            session.scalar(select(func.count()).select_from(Dataset)),
            session.scalar(select(func.count()).select_from(DataItem)),
        )
    with timed(times, "reimport_csv"):
        from_csv = _import(db, actor, csv_data, "catalogue.csv")
    assert from_csv.ok and from_csv.unchanged == first.created
    return {
        "times": times,
        "created": first.created,
        "counts": counts,
        "export_bytes": len(exported),
    }


def on_sqlite(generated: Generated) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="kaifang-bench-") as tmp:
        engine = make_engine(Settings(database_url=f"sqlite:///{tmp}/bench.db", env="test"))
        migrate.upgrade(engine)
        try:
            return run_backend(Database(engine), generated)
        finally:
            engine.dispose()


def postgres_version() -> str | None:
    try:
        engine = create_engine(PG_ADMIN, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar())
        engine.dispose()
        return version
    except Exception:
        return None


def on_postgres(generated: Generated) -> dict[str, object]:
    name = f"kaifang_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(Settings(database_url=PG_ADMIN.rsplit("/", 1)[0] + "/" + name, env="test"))
    try:
        migrate.upgrade(engine)
        return run_backend(Database(engine), generated)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(
    args: argparse.Namespace,
    size: int,
    gen_time: float,
    load: str,
    results: dict[str, dict[str, object]],
) -> str:
    """RESULTS.md: the machine, the input, a table of timings and what keeps them low."""
    lines = [
        "# Bulk catalogue import benchmark",
        "",
        f"Run {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `bench/catalog/bench_bulk_import.py"
        f" --datasets {args.datasets} --items {args.items}`.",
        "",
        f"Machine: {platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()},"
        f" SQLite {sqlite3.sqlite_version}, PostgreSQL {postgres_version() or 'not reachable'}.",
        "",
        f"Input: one XLSX of {size / 2**20:.1f} MB, {args.datasets:,} datasets and"
        f" {args.datasets * args.items:,} data items (generated in {gen_time:.1f} s);"
        " a fifth of the rows carry a catalogue code, the rest get generated codes; header labels"
        " are portal variants (资源名称, 数源单位, 开放类型, 更新周期 ...); a fifth of the providers"
        " are county-level, so the city-duplicate check runs.",
        "",
        "Each step is one transaction including its commit. Seconds as wall clock / CPU of the"
        f" benchmark process; the load average was {load} when the run started (other work shares"
        " the machine, so wall clock is the pessimistic figure).",
        "",
        "| Backend | Import (create all) | Same XLSX again (unchanged) | CSV export re-imported"
        " | XLSX export | Datasets / items after |",
        "|---|---|---|---|---|---|",
    ]
    for backend, result in results.items():
        t = result["times"]
        assert isinstance(t, dict)
        ds, items = result["counts"]  # type: ignore[misc]
        cells = " | ".join(
            f"{t[k][0]:.1f} / {t[k][1]:.1f}"
            for k in ("import", "reimport", "reimport_csv", "export_xlsx")
        )
        lines.append(f"| {backend} | {cells} | {ds:,} / {items:,} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += [
        "",
        f"Peak resident memory of the whole run: {peak:.0f} MB.",
        "",
        "Budget: importing 10,000 datasets with ~10 items each takes at most 60 s on SQLite.",
        "",
        "What keeps it there (see src/kaifang/catalog/bulk/creation.py):",
        "",
        "- one vocabulary index and one round of look-up queries per import (providers, regions,"
        " matching codes and titles, issued codes, open revisions, stored items as plain rows)"
        " instead of queries per row;",
        "- catalogue sequence numbers counted per prefix in memory after one max() query;"
        " create_dataset re-reads max(sequence) for every dataset, which alone makes 10,000 rows"
        " quadratic (a 10,000-row loop over create_dataset took 83 s here);",
        "- creation in flushed batches of 500, data items written with one executemany per batch"
        " instead of an ORM object each, the service's own helpers for vocabulary and rules;",
        "- the city-duplicate check answered from an index of normalised city titles instead of"
        " loading every city dataset per county dataset.",
        "",
    ]
    return "\n".join(lines)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = parser.parse_args()
    load = (
        " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if Path("/proc/loadavg").exists()
        else "n/a"
    )
    start = time.perf_counter()
    generated = generate(args.datasets, args.items)
    gen_time = time.perf_counter() - start
    runners: dict[str, Callable[[Generated], dict[str, object]]] = {"SQLite": on_sqlite}
    if "postgresql" in args.backends and postgres_version():
        runners["PostgreSQL"] = on_postgres
    results = {}
    for backend, runner in runners.items():
        if backend.lower() in args.backends.lower():
            results[backend] = runner(generated)
            print(backend, results[backend]["times"], flush=True)
    text_out = report(args, len(generated.data), gen_time, load, results)
    args.out.write_text(text_out, encoding="utf-8")
    print(text_out)


if __name__ == "__main__":
    main()
