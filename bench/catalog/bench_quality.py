"""Metadata-quality (MQA) average over a whole catalogue, against loading it without scoring.

Usage: ``.venv/bin/python bench/catalog/bench_quality.py [--datasets N] [--repeat N]
[--out bench/catalog/RESULTS_quality.md]``.

It migrates a temporary SQLite database, inserts N published datasets (half with a loaded
file resource) and times, in the same run and alternating: the baseline (loading the
published datasets and their resources with the ORM, no scoring) and ``quality_summary``
(loading only the scored columns, then scoring every dataset). Medians and the ratio are
written to the results file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from kaifang import migrate  # noqa: E402
from kaifang.auth.models import Organization, Region  # noqa: E402
from kaifang.catalog.models import Dataset, Resource  # noqa: E402
from kaifang.catalog.quality import quality_summary  # noqa: E402
from kaifang.config import Settings  # noqa: E402
from kaifang.db import make_engine  # noqa: E402

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _dataset_rows(count: int) -> list[dict[str, object]]:
    return [
        {
            "catalog_code": f"331000-G03001-{n:05d}",
            "title": f"数据集{n}",
            "summary": "测试摘要" if n % 3 else "",
            "organization_id": 1,
            "region_code": "331000",
            "domains": ["jiao-tong-chu-xing"],
            "keywords": ["公交"] if n % 2 else [],
            "licence": "cc-by-4.0" if n % 4 == 0 else "open-agreement",
            "contact_email": "a@example.cn" if n % 5 else "",
            "status": "published",
            "first_published_at": NOW,
            "modified_at": NOW,
            "created_at": NOW,
        }
        for n in range(1, count + 1)
    ]


def build(session: Session, count: int) -> None:
    """A region, an organization and ``count`` published datasets, every second one loaded."""
    session.add(Region(code="331000", name="台州市", level=2))
    session.add(Organization(id=1, name="市交通运输局", slug="jiaotong", region_code="331000"))
    session.flush()
    session.execute(insert(Dataset), _dataset_rows(count))
    ids = list(session.scalars(select(Dataset.id).order_by(Dataset.id)))
    resources = [
        {"dataset_id": i, "name": "表", "kind": "file", "current_version_id": i} for i in ids[::2]
    ]
    session.execute(insert(Resource), resources)
    session.commit()


def baseline(session: Session) -> int:
    """Loading the published datasets with their resources, as a plain ORM loop would."""
    stmt = select(Dataset).where(Dataset.status == "published")
    stmt = stmt.options(selectinload(Dataset.resources))
    return len(list(session.scalars(stmt).unique()))


def timed(engine: object, fn: object) -> float:
    with Session(engine) as session:  # type: ignore[call-overload]
        start = time.perf_counter()
        fn(session)  # type: ignore[operator]
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench/catalog/RESULTS_quality.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(env="test", data_dir=Path(tmp), secret_key="b" * 40)
        engine = make_engine(settings)
        migrate.upgrade(engine)
        with Session(engine) as session:
            build(session, args.datasets)
            summary = quality_summary(session)
        base, scored = [], []
        for _ in range(args.repeat):
            base.append(timed(engine, baseline))
            scored.append(timed(engine, quality_summary))
        engine.dispose()
    b, s = statistics.median(base), statistics.median(scored)
    lines = [
        "# Metadata quality average (bench/catalog/bench_quality.py)",
        "",
        f"{dt.date.today()}, Python {platform.python_version()}, SQLite, "
        f"{args.datasets} published datasets, {args.repeat} runs each, alternating.",
        "",
        "| run | median s | per dataset µs | ratio |",
        "|---|---:|---:|---:|",
        f"| ORM load, no scoring (baseline) | {b:.3f} | {b / args.datasets * 1e6:.0f} | 1.00 |",
        f"| quality_summary | {s:.3f} | {s / args.datasets * 1e6:.0f} | {s / b:.2f} |",
        "",
        f"Average score {summary.average_score} / {summary.max_score}, ratings {summary.ratings}.",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
