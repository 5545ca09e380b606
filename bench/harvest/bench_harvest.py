"""Harvest benchmark: one Kaifang harvests another over loopback, CKAN and DCAT side by side.

Usage: ``.venv/bin/python bench/harvest/bench_harvest.py [--datasets N] [--repeat R]
[--out bench/harvest/RESULTS.md]``.

A source instance (its own data directory and SQLite database) publishes N datasets with
keywords, a domain and an API link; it is served by uvicorn on 127.0.0.1. For each protocol a
fresh target database harvests it: the first run (everything created), a second run
(everything unchanged), and a run after one dataset changed at the source. Medians of R
repetitions; the unchanged re-run is compared with the first run, DCAT with CKAN.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from kaifang import migrate  # noqa: E402
from kaifang.auth import service as auth_service  # noqa: E402
from kaifang.auth.actor import SYSTEM  # noqa: E402
from kaifang.catalog import resources, workflow  # noqa: E402
from kaifang.catalog import service as catalog_service  # noqa: E402
from kaifang.catalog.models import Dataset  # noqa: E402
from kaifang.catalog.schemas import DataItemIn, DatasetIn  # noqa: E402
from kaifang.catalog.vocabularies import seed_vocabularies  # noqa: E402
from kaifang.config import Settings  # noqa: E402
from kaifang.interop.harvest import service as harvest_service  # noqa: E402
from kaifang.interop.harvest.models import HarvestRun  # noqa: E402
from kaifang.interop.harvest.schemas import SourceIn  # noqa: E402
from kaifang.jobs import run_job  # noqa: E402
from kaifang.runtime import Runtime, build_runtime  # noqa: E402

TEMPLATE = "{region}-{klass}-{seq:05d}"
SUBJECTS = ["公交线路", "企业登记", "空气质量", "学校名录", "医疗机构", "停车泊位"]


def _runtime(data_dir: Path) -> Runtime:
    settings = Settings(
        env="test",
        data_dir=data_dir,
        secret_key="bench-" + "b" * 40,
        queue_backend="memory",
        worker_in_process=False,
    )
    runtime = build_runtime(settings)
    migrate.upgrade(runtime.db.engine)
    return runtime


def _org(runtime: Runtime, region: str) -> int:
    with runtime.db.unit_of_work() as session:
        seed_vocabularies(session)
        auth_service.create_region(session, code="33", name="浙江省", parent_code=None)
        auth_service.create_region(session, code="3310", name="台州市", parent_code="33")
        if region != "3310":
            auth_service.create_region(session, code=region, name="椒江区", parent_code="3310")
        org = auth_service.create_organization(
            session, actor=SYSTEM, name="椒江区交通运输局", slug="jj-transport", region_code=region
        )
        return org.id


def _publish(runtime: Runtime, count: int) -> list[int]:
    org_id = _org(runtime, "331002")
    ids = []
    with runtime.db.unit_of_work() as session:
        for n in range(count):
            data = DatasetIn(
                title=f"{SUBJECTS[n % len(SUBJECTS)]}第{n}号",
                summary="用于采集基准测试的公开数据集说明。",
                organization_id=org_id,
                domains=["交通出行"],
                keywords=["基准", f"k{n % 17}"],
                update_frequency="monthly",
                items=[DataItemIn(label="名称", name="name")],
            )
            dataset = catalog_service.create_dataset(
                session, actor=SYSTEM, data=data, code_template=TEMPLATE
            )
            resources.create_resource(
                session,
                actor=SYSTEM,
                dataset_id=dataset.id,
                name="接口",
                kind="api",
                url=f"https://example.org/api/{n}",
                fmt="API",
            )
            for step in (
                workflow.submit_dataset,
                workflow.approve_dataset,
                workflow.publish_dataset,
            ):
                step(session, actor=SYSTEM, dataset_id=dataset.id)
            ids.append(dataset.id)
    return ids


@contextmanager
def _serving(runtime: Runtime) -> Iterator[str]:
    from tests.live_server import _free_port

    from kaifang.app import create_app
    from kaifang.composition import compose

    compose(runtime, embedded_worker=False)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _timed_run(target: Runtime, source_id: int) -> tuple[float, HarvestRun]:
    with target.db.unit_of_work() as session:
        job_id = harvest_service.start_run(session, actor=SYSTEM, source_id=source_id).job_id
    started = time.perf_counter()
    run_job(target.db, target.settings, int(job_id or 0))
    elapsed = time.perf_counter() - started
    with target.db.unit_of_work(write=False) as session:
        run = session.get(
            HarvestRun, harvest_service.list_runs(session, actor=SYSTEM, limit=1)[0].id
        )
        assert run is not None and run.status == "succeeded", run and run.error
        session.expunge(run)
    return elapsed, run


def _one_protocol(
    tmp: Path, url: str, host: str, kind: str, source: Runtime, first_id: int
) -> dict[str, float]:
    target = _runtime(tmp / f"target-{kind}-{time.monotonic_ns()}")
    target.settings.harvest_trusted_hosts = [host]
    org_id = _org(target, "3310")
    with target.db.unit_of_work() as session:
        data = SourceIn(
            name=kind,
            kind=kind,
            url=url + ("/catalog.ttl" if kind == "dcat" else ""),
            organization_id=org_id,
        )  # type: ignore[arg-type]
        source_id = harvest_service.create_source(session, actor=SYSTEM, data=data).id
    first, run1 = _timed_run(target, source_id)
    second, run2 = _timed_run(target, source_id)
    with source.db.unit_of_work() as session:
        dataset = session.get(Dataset, first_id)
        assert dataset is not None
        dataset.title = (
            dataset.title + "（修订）" if "修订" not in dataset.title else dataset.title[:-4]
        )
    third, run3 = _timed_run(target, source_id)
    assert (run1.created, run2.unchanged, run3.updated) == (run1.created, run1.created, 1)
    target.db.engine.dispose()
    return {"first": first, "unchanged": second, "one_edit": third, "n": float(run1.created)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/harvest/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kf-bench-harvest-") as tmp_name:
        tmp = Path(tmp_name)
        source = _runtime(tmp / "source")
        ids = _publish(source, args.datasets)
        results: dict[str, list[dict[str, float]]] = {"ckan": [], "dcat": []}
        with _serving(source) as url:
            host = url.removeprefix("http://")
            for _ in range(args.repeat):
                for kind in ("ckan", "dcat"):
                    results[kind].append(_one_protocol(tmp, url, host, kind, source, ids[0]))
    _report(args, results)


def _report(args: argparse.Namespace, results: dict[str, list[dict[str, float]]]) -> None:
    med = {
        k: {
            m: statistics.median(r[m] for r in runs)
            for m in ("first", "unchanged", "one_edit", "n")
        }
        for k, runs in results.items()
    }
    lines = [
        "# Harvest benchmark",
        "",
        f"{args.datasets} datasets harvested from a second instance over loopback, SQLite on both "
        f"sides, median of {args.repeat}; {platform.python_version()}, {platform.machine()}.",
        "",
        "| protocol | first run s (created) | datasets/s | unchanged re-run s | re-run / first | one edit s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, m in med.items():
        lines.append(
            f"| {kind} | {m['first']:.2f} | {m['n'] / m['first']:.0f} | {m['unchanged']:.2f} | "
            f"{m['unchanged'] / m['first']:.2f} | {m['one_edit']:.2f} |"
        )
    ratio = med["dcat"]["first"] / med["ckan"]["first"]
    lines += ["", f"DCAT / CKAN first-run time: {ratio:.2f}."]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
