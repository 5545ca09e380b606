"""Page benchmark: server time of the home, search and dataset pages over a 100,000-dataset
catalogue, side by side with baselines in the same run: the JSON API call that serves the same
data, and a bare FastAPI page (the floor of the ASGI stack and the in-process client).

Usage: ``python -m bench.pages.run [--datasets 100000] [--requests 300] [--out RESULTS.md]``.
The catalogue is the search benchmark's corpus (``bench/search``), loaded into a fresh SQLite
file and indexed. Requests go through Starlette's in-process test client (no sockets), one at a
time, after a warm-up; each timing is the full request: routing, policy, database, templates.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bench.search import corpus, load
from kaifang import migrate
from kaifang.catalog.models import Dataset
from kaifang.config import Settings
from kaifang.search import service as search_service
from kaifang.search.cache import CACHE_KEY

TARGET_MS = 100.0
HTML = {"accept": "text/html"}
JSON = {"accept": "application/json"}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def build_catalogue(path: Path, n: int) -> tuple[str, dict[str, str]]:
    """A fresh SQLite catalogue of ``n`` datasets, indexed for search; its URL and timings."""
    engine = load.sqlite_engine(path)
    start = time.perf_counter()
    load.create_schema(engine)
    items = load.load_catalogue(engine, n)
    loaded = time.perf_counter() - start
    with Session(engine) as session:
        search_service.reindex_all(session, batch_size=1000)
        session.commit()
    load.maintain(engine)
    facts = {
        "catalogue": f"{n:,} datasets, {items:,} data items (bench/search corpus)",
        "load + index": f"{time.perf_counter() - start:.0f} s (load {loaded:.0f} s)",
    }
    engine.dispose()
    return str(engine.url), facts


def catalogue(path: Path, n: int) -> tuple[str, dict[str, str]]:
    """A kept catalogue when ``path`` exists (built by an earlier run), else a new one."""
    if path.exists():
        url = f"sqlite:///{path}"
        engine = create_engine(url)
        migrate.upgrade(engine)  # a catalogue kept from an older checkout
        engine.dispose()
        return url, {"catalogue": f"{n:,} datasets, reused from {path.name}"}
    return build_catalogue(path, n)


def kaifang_client(
    url: str, data_dir: Path, *, home_cache_seconds: int = 30, search_cache_entries: int = 2000
) -> TestClient:
    from kaifang.app import create_app
    from kaifang.composition import compose
    from kaifang.runtime import build_runtime

    settings = Settings(
        env="test",
        database_url=url,
        data_dir=data_dir,
        secret_key="bench-" + "k" * 40,
        queue_backend="memory",
        worker_in_process=False,
        rate_limit_anonymous_per_minute=10_000_000,
        home_cache_seconds=home_cache_seconds,
        search_cache_entries=search_cache_entries,
    )
    runtime = build_runtime(settings)
    compose(runtime, embedded_worker=False)
    return TestClient(create_app(runtime=runtime), base_url="http://127.0.0.1")


def bare_client() -> TestClient:
    """The floor: a FastAPI app answering one small HTML page."""
    app = FastAPI()

    @app.get("/hello")
    def hello() -> HTMLResponse:
        return HTMLResponse("<!doctype html><html lang='zh-CN'><title>hi</title><p>你好</p>")

    return TestClient(app, base_url="http://127.0.0.1")


def timed(call: Callable[[], Any], n: int, warmup: int = 10) -> list[float]:
    """Milliseconds of ``n`` calls after ``warmup`` untimed ones; every call must answer 200."""
    for _ in range(warmup):
        call()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        response = call()
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (response.status_code, response.text[:300])
    return out


def workloads(
    client: TestClient, cold: TestClient, url: str, n: int, seed: int
) -> dict[str, list[Callable[[], Any]]]:
    """Per page: a list of request makers (random queries and datasets, seeded)."""
    rnd = random.Random(seed)
    words = corpus.query_words()
    queries = [
        rnd.choice(words) + (" " + rnd.choice(words) if rnd.random() < 0.3 else "")
        for _ in range(n)
    ]
    ids = _published_ids(url, n, rnd)
    search = [lambda q=q: client.get("/datasets", params={"q": q}, headers=HTML) for q in queries]
    search_cold = [
        lambda q=q: cold.get("/datasets", params={"q": q}, headers=HTML) for q in queries
    ]
    search_api = [
        lambda q=q: cold.get("/api/v1/datasets", params={"q": q}, headers=JSON) for q in queries
    ]
    page = [lambda i=i: client.get(f"/datasets/{i}", headers=HTML) for i in ids]
    page_api = [lambda i=i: client.get(f"/api/v1/datasets/{i}", headers=JSON) for i in ids]
    return {
        "home page `/` (30 s snapshot)": [lambda: client.get("/", headers=HTML)] * n,
        "home page `/`, snapshot off": [lambda: cold.get("/", headers=HTML)] * max(10, n // 10),
        "search page `/datasets?q=`": search,
        "search page `/datasets?q=`, result cache off": search_cold,
        "search API `/api/v1/datasets?q=`, result cache off": search_api,
        "dataset page `/datasets/{id}`": page,
        "dataset API `/api/v1/datasets/{id}`": page_api,
    }


def _published_ids(url: str, n: int, rnd: random.Random) -> list[int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        ids = list(conn.execute(select(Dataset.id).where(Dataset.status == "published")).scalars())
    engine.dispose()
    return [rnd.choice(ids) for _ in range(n)]


def run_all(
    calls: dict[str, list[Callable[[], Any]]], floor: TestClient, n: int
) -> dict[str, list[float]]:
    results = {"bare FastAPI page (floor)": timed(lambda: floor.get("/hello"), n)}
    for name, makers in calls.items():
        it = iter(makers)
        results[name] = timed(lambda it=it: next(it)(), len(makers), warmup=0)
    return results


def render(results: dict[str, list[float]], facts: dict[str, str]) -> str:
    floor = statistics.median(results["bare FastAPI page (floor)"])
    lines = [
        "# Page benchmark results",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        *(f"- {k}: {v}" for k, v in facts.items()),
        f"- load average after: {os.getloadavg()[0]:.1f}",
        "",
        "| request | n | p50 ms | p95 ms | max ms | p50 / floor | target p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, values in results.items():
        target = f"≤ {TARGET_MS:.0f} ms" if "page" in name and "floor" not in name else ""
        lines.append(
            f"| {name} | {len(values)} | {statistics.median(values):.1f} | "
            f"{percentile(values, 95):.1f} | {max(values):.1f} | "
            f"{statistics.median(values) / floor:.1f}× | {target} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    parser.add_argument(
        "--db",
        type=Path,
        help="keep the built catalogue in this SQLite file and reuse it when it exists",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, facts = catalogue(args.db or Path(tmp) / "bench-pages.db", args.datasets)
        client = kaifang_client(url, Path(tmp) / "data")
        cold = kaifang_client(url, Path(tmp) / "data", home_cache_seconds=0, search_cache_entries=0)
        results = run_all(
            workloads(client, cold, url, args.requests, args.seed), bare_client(), args.requests
        )
    cache = client.app.state.runtime.extras.get(CACHE_KEY)  # type: ignore[attr-defined]
    if cache is not None:
        facts["search result cache"] = (
            f"{cache.hits} hits, {cache.misses} misses over the page searches "
            f"({args.requests} queries drawn at random from {len(corpus.query_words())} words, "
            "30% two-word)"
        )
    text = render(results, facts)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
