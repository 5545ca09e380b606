"""Catalogue search benchmark: load N synthetic datasets into fresh SQLite and PostgreSQL
databases, index them with ``reindex_all`` and time searches with facets and autocomplete.

Usage: ``python -m bench.search.run [--datasets 100000] [--queries 400] [--out RESULTS.md]``.
The PostgreSQL database is created on 127.0.0.1 (user postgres) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kaifang.auth.actor import ANONYMOUS, Actor
from kaifang.search import service, text
from kaifang.search.schemas import SearchQuery

from . import corpus, load

THREE_FACETS = ("domain", "organization", "open_attribute")
TARGETS = {"search + 3 facets": 50.0, "autocomplete": 20.0}


@dataclass
class Report:
    """Timings and facts of one backend."""

    backend: str
    facts: dict[str, str] = field(default_factory=dict)
    timings: dict[str, list[float]] = field(default_factory=dict)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _actor(rnd: random.Random) -> Actor:
    """Mostly anonymous visitors; some officers and region reviewers (wider visibility)."""
    roll = rnd.random()
    if roll < 0.8:
        return ANONYMOUS
    orgs = corpus.organizations()
    if roll < 0.9:
        org = rnd.choice(orgs)
        return Actor(user_id=1, role="officer", organization_id=org.id)
    return Actor(user_id=2, role="reviewer", region_scope=rnd.choice(corpus.COUNTIES)[0])


def _filter(rnd: random.Random) -> dict[str, list[str]]:
    choice = rnd.choice(("none", "none", "open_attribute", "format", "region", "domain"))
    if choice == "open_attribute":
        return {"open_attribute": ["unconditional"]}
    if choice == "format":
        return {"format": rnd.sample(corpus.FORMATS, 2)}
    if choice == "region":
        return {"region": [rnd.choice(corpus.COUNTIES)[0]]}
    if choice == "domain":
        from kaifang.catalog.vocabularies import domain_code

        return {"domain": [domain_code(rnd.choice(list(corpus.DOMAINS)))]}
    return {}


def search_workload(
    rnd: random.Random, n: int, *, words: bool, facets: tuple[str, ...]
) -> list[tuple[Actor, SearchQuery]]:
    vocabulary = corpus.query_words()
    out = []
    for _ in range(n):
        q = ""
        if words:
            q = rnd.choice(vocabulary)
            if rnd.random() < 0.3:
                q += " " + rnd.choice(vocabulary)
        query = SearchQuery(q=q, filters=_filter(rnd), facets=facets, size=20)
        out.append((_actor(rnd), query))
    return out


def suggest_workload(rnd: random.Random, n: int, titles: list[str]) -> list[tuple[Actor, str]]:
    """Prefixes as typed: 1-4 Chinese characters from a word start, or 2-8 pinyin letters."""
    out = []
    for _ in range(n):
        suffix = rnd.choice(text.suffixes(rnd.choice(titles)))
        kind = rnd.choice(("chars", "full", "initials"))
        value = getattr(suffix, kind)
        length = rnd.randint(1, 4) if kind == "chars" else rnd.randint(2, 8)
        out.append((_actor(rnd), value[:length]))
    return out


def timed(calls: list[Callable[[], object]], warmup: int = 10) -> list[float]:
    for call in calls[:warmup]:
        call()
    out = []
    for call in calls:
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def measure(engine: Engine, report: Report, queries: int, seed: int) -> None:
    rnd = random.Random(seed)
    with Session(engine) as session:
        titles = [t for (t,) in session.execute(_sample_titles())]
        workloads = {
            "search + 3 facets": search_workload(rnd, queries, words=True, facets=THREE_FACETS),
            "browse (no words) + 3 facets": search_workload(
                rnd, queries, words=False, facets=THREE_FACETS
            ),
            "search + all 7 facets": search_workload(
                rnd, queries, words=True, facets=tuple(SearchQuery().facets)
            ),
        }
        for name, work in workloads.items():
            report.timings[name] = timed(
                [
                    lambda a=a, q=q: service.search_datasets(session, actor=a, query=q)
                    for a, q in work
                ]
            )
        prefixes = suggest_workload(rnd, queries, titles)
        report.timings["autocomplete"] = timed(
            [lambda a=a, p=p: service.suggest(session, actor=a, prefix=p) for a, p in prefixes]
        )
        session.rollback()


def _sample_titles():  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from kaifang.catalog.models import Dataset

    return select(Dataset.title).where(Dataset.id % 97 == 0)


def bench_backend(name: str, engine: Engine, args: argparse.Namespace) -> Report:
    report = Report(name)
    start = time.perf_counter()
    load.create_schema(engine)
    items = load.load_catalogue(engine, args.datasets)
    report.facts["generate + load"] = (
        f"{time.perf_counter() - start:.0f} s ({args.datasets:,} datasets, {items:,} items)"
    )
    start = time.perf_counter()
    with Session(engine) as session:
        count = service.reindex_all(session, batch_size=1000)
        session.commit()
    elapsed = time.perf_counter() - start
    report.facts["reindex_all"] = f"{elapsed:.0f} s ({count / elapsed:,.0f} datasets/s)"
    load.maintain(engine)
    report.facts["index size"] = load.index_size(engine)
    measure(engine, report, args.queries, args.seed)
    return report


@contextlib.contextmanager
def engines(backends: list[str], workdir: Path) -> Iterator[Iterator[tuple[str, Engine]]]:
    def generate() -> Iterator[tuple[str, Engine]]:
        if "sqlite" in backends:
            engine = load.sqlite_engine(workdir / "bench-search.db")
            yield "SQLite (FTS5)", engine
            engine.dispose()
        if "postgresql" in backends:
            with load.postgres_engine(f"kaifang_bench_search_{os.getpid()}") as engine:
                yield "PostgreSQL (tsvector + GIN)", engine

    yield generate()


def render(reports: list[Report], args: argparse.Namespace) -> str:
    lines = [
        "# Catalogue search benchmark",
        "",
        f"`python -m bench.search.run --datasets {args.datasets} --queries {args.queries}` on "
        f"{platform.platform()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs, load average at start {args.load}.",
        "",
        "Targets: search with three facets p95 ≤ 50 ms, autocomplete p95 ≤ 20 ms.",
        "",
    ]
    for report in reports:
        lines += [f"## {report.backend}", ""]
        lines += [f"- {k}: {v}" for k, v in report.facts.items()]
        lines += [
            "",
            "| workload | n | p50 ms | p95 ms | max ms | target |",
            "|---|---|---|---|---|---|",
        ]
        for name, values in report.timings.items():
            p95 = percentile(values, 95)
            target = TARGETS.get(name)
            verdict = (
                "—" if target is None else ("met" if p95 <= target else f"MISSED (≤ {target:.0f})")
            )
            lines.append(
                f"| {name} | {len(values)} | {statistics.median(values):.1f} | {p95:.1f} | "
                f"{max(values):.1f} | {verdict} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = parser.parse_args()
    args.load = f"{os.getloadavg()[0]:.1f}"
    reports = []
    with (
        tempfile.TemporaryDirectory(prefix="kaifang-bench-search-") as tmp,
        engines(args.backends.split(","), Path(tmp)) as pairs,
    ):
        for name, engine in pairs:
            print(f"== {name}", flush=True)
            reports.append(bench_backend(name, engine, args))
            print(render(reports[-1:], args), flush=True)
    args.out.write_text(render(reports, args) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
