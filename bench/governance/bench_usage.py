"""Usage-event recording benchmark: does recording 1,000 page views a second slow the page?

Usage: ``.venv/bin/python bench/governance/bench_usage.py [--seconds 8] [--rounds 3]
[--rate 1000] [--concurrency 4] [--out bench/governance/RESULTS.md]``.

One uvicorn server on 127.0.0.1 (SQLite, the usage writer started as in production) serves a
published dataset's page. Each round runs two phases side by side, in alternating order:

- baseline: page requests with recording switched off and nothing else;
- recording: the same page requests, each recording its view, plus an injector that queues
  1,000 views a second through the same writer (so at least 1,000 are recorded a second).

A phase sends page requests from ``--concurrency`` closed-loop clients for ``--seconds`` and
reports the p50/p95 latency; the result is the median over rounds of each phase's p95 and
their ratio. The requirement is recording p95 ≤ 1.10 × baseline p95.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from kaifang import migrate  # noqa: E402
from kaifang.app import create_app  # noqa: E402
from kaifang.auth import service as auth_service  # noqa: E402
from kaifang.auth.actor import SYSTEM  # noqa: E402
from kaifang.catalog import service as catalog_service  # noqa: E402
from kaifang.catalog import workflow  # noqa: E402
from kaifang.catalog.schemas import DataItemIn, DatasetIn  # noqa: E402
from kaifang.catalog.vocabularies import seed_vocabularies  # noqa: E402
from kaifang.composition import compose  # noqa: E402
from kaifang.config import Settings  # noqa: E402
from kaifang.governance.usage import UsageRecord, install_usage_log  # noqa: E402
from kaifang.runtime import Runtime, build_runtime  # noqa: E402
from kaifang.web.pages import datasets as dataset_pages  # noqa: E402

PORT = 8765


def _published_dataset(runtime: Runtime) -> tuple[int, int, str]:
    with runtime.db.unit_of_work() as session:
        seed_vocabularies(session)
        auth_service.create_region(session, code="3310", name="台州市", parent_code=None)
        org = auth_service.create_organization(
            session, actor=SYSTEM, name="市交通运输局", slug="jtj", region_code="3310"
        )
        officer = auth_service.create_user(
            session,
            actor=SYSTEM,
            username="officer",
            password="bench-password-123",
            role="officer",
            organization_id=org.id,
        )
        actor = auth_service.actor_for(officer)
        data = DatasetIn(
            title="公交线路信息",
            summary="全市公交线路、站点与运营时间信息。",
            domains=["交通出行"],
            keywords=["公交"],
            update_frequency="monthly",
            items=[DataItemIn(label="线路名称", name="line_name")],
        )
        ds = catalog_service.create_dataset(
            session, actor=actor, data=data, code_template="{region}-{klass}-{seq:05d}"
        )
        session.flush()
        workflow.submit_dataset(session, actor=actor, dataset_id=ds.id)
        workflow.approve_dataset(session, actor=SYSTEM, dataset_id=ds.id)
        workflow.publish_dataset(session, actor=SYSTEM, dataset_id=ds.id)
        return ds.id, org.id, ds.region_code


class Server:
    """uvicorn in a thread, with the runtime's start/stop hooks (the usage writer) running."""

    def __init__(self, runtime: Runtime) -> None:
        app = create_app(runtime=runtime)
        config = uvicorn.Config(app, host="127.0.0.1", port=PORT, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _clients(url: str, seconds: float, concurrency: int) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop() -> None:
        mine = []
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                response = client.get(url)
                mine.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def _injector(runtime: Runtime, record: UsageRecord, rate: float, stop: threading.Event) -> None:
    """Queue ``rate`` views a second in ticks of 10 ms."""
    writer = install_usage_log(runtime)
    tick, sent, started = 0.01, 0, time.monotonic()
    while not stop.is_set():
        due = int((time.monotonic() - started) * rate)
        for _ in range(due - sent):
            writer.add(record)
        sent = due
        time.sleep(tick)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * pct), len(ordered) - 1)]


def _phase(
    runtime: Runtime, url: str, record: UsageRecord, args: Any, recording: bool
) -> dict[str, float]:
    original = dataset_pages.record_usage
    stop = threading.Event()
    injector = None
    if recording:
        # The injector alone records ``rate`` views a second; page views come on top.
        injector = threading.Thread(target=_injector, args=(runtime, record, args.rate, stop))
        injector.start()
    else:
        dataset_pages.record_usage = lambda *a, **k: None  # type: ignore[assignment]
    writer = install_usage_log(runtime)
    before = writer.written
    try:
        latencies = _clients(url, args.seconds, args.concurrency)
    finally:
        stop.set()
        if injector is not None:
            injector.join()
        dataset_pages.record_usage = original
    writer.flush()
    recorded = writer.written - before
    return {
        "requests": len(latencies),
        "rps": len(latencies) / args.seconds,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p95_ms": _percentile(latencies, 0.95) * 1000,
        "recorded_per_s": recorded / args.seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/governance/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(env="test", data_dir=Path(tmp), queue_backend="memory")
        runtime = compose(build_runtime(settings), embedded_worker=False)
        migrate.upgrade(runtime.db.engine)
        dataset_id, org_id, region = _published_dataset(runtime)
        record = UsageRecord("view", dataset_id, org_id, region, "a:bench")
        url = f"http://127.0.0.1:{PORT}/datasets/{dataset_id}"
        results: dict[str, list[dict[str, float]]] = {"baseline": [], "recording": []}
        with Server(runtime):
            _clients(url, 2.0, args.concurrency)  # warm-up
            for n in range(args.rounds):
                order = ("baseline", "recording") if n % 2 == 0 else ("recording", "baseline")
                for name in order:
                    results[name].append(_phase(runtime, url, record, args, name == "recording"))
                    print(name, results[name][-1], flush=True)
    _write(args, results)
    return 0


def _median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def _write(args: Any, results: dict[str, list[dict[str, float]]]) -> None:
    base, rec = results["baseline"], results["recording"]
    ratio = _median(rec, "p95_ms") / _median(base, "p95_ms")
    lines = [
        "# Usage-event recording benchmark",
        "",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()},"
        f" SQLite; {args.rounds} rounds × {args.seconds:.0f} s per phase, {args.concurrency}"
        f" page clients, target {args.rate:.0f} recorded views/s.",
        "",
        "| phase | page requests/s | p50 ms | p95 ms (median of rounds) | views recorded/s |",
        "|---|---|---|---|---|",
    ]
    for name, rows in (("baseline (no recording)", base), ("recording", rec)):
        lines.append(
            f"| {name} | {_median(rows, 'rps'):.0f} | {_median(rows, 'p50_ms'):.1f} |"
            f" {_median(rows, 'p95_ms'):.1f} | {_median(rows, 'recorded_per_s'):.0f} |"
        )
    pairs = ", ".join(f"{r['p95_ms'] / b['p95_ms']:.2f}" for b, r in zip(base, rec, strict=True))
    lines += [
        "",
        f"p95 ratio recording / baseline: **{ratio:.3f}** (requirement ≤ 1.10); per round: {pairs}",
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
