"""Time budgets: an expensive query is interrupted; counts and facets degrade gracefully."""

from __future__ import annotations

import time
from collections.abc import Iterator

import duckdb
import pytest

from kaifang.datastore import DataAccess, ServingCatalog, ServingHandle, run_query
from kaifang.datastore import query as query_module
from kaifang.datastore.budget import WATCHDOG, Deadline
from kaifang.datastore.query import compile_query
from kaifang.errors import QueryTooExpensive

BIG_ROWS = 2_000_000


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServingHandle]:
    root = tmp_path_factory.mktemp("big")
    parquet = root / "big.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT i AS id, md5(i::VARCHAR) AS h, '名称' || (i % 1000)::VARCHAR AS name "
            f"FROM range({BIG_ROWS}) t(i)) TO '{parquet}' (FORMAT parquet)"
        )
    catalog = ServingCatalog(root / "serving")
    yield catalog.ensure("big", parquet)
    catalog.close()


def test_expensive_query_is_interrupted(big: ServingHandle) -> None:
    access = DataAccess.public(big.columns)
    started = time.monotonic()
    with pytest.raises(QueryTooExpensive) as err:
        run_query(
            big,
            columns=big.columns,
            params="_search=不存在&_sort_desc=h",
            access=access,
            time_budget_ms=5,
        )
    assert err.value.code == "query_too_expensive"
    assert time.monotonic() - started < 5  # interrupted, not run to completion
    # The pool stays usable after an interrupt.
    ok = run_query(big, columns=big.columns, params="id=7", access=access)
    assert [r["id"] for r in ok.rows] == [7]


def test_count_over_budget_falls_back_to_a_capped_count(
    big: ServingHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query_module, "COUNT_FALLBACK_MS", 5000)
    q = compile_query(big.columns, "h__contains=a", DataAccess.public(big.columns))
    with big.cursor() as cur:
        expired = Deadline.after_ms(0)
        assert query_module._count(cur, q, expired) == (query_module.COUNT_CAP, True)


def test_count_gives_up_when_even_the_capped_count_is_too_slow(
    big: ServingHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query_module, "COUNT_FALLBACK_MS", 0)
    q = compile_query(big.columns, "h__contains=a", DataAccess.public(big.columns))
    with big.cursor() as cur:
        assert query_module._count(cur, q, Deadline.after_ms(0)) == (None, True)


def test_facet_over_budget_is_flagged_not_fatal(big: ServingHandle) -> None:
    q = compile_query(big.columns, "_facet=name", DataAccess.public(big.columns))
    with big.cursor() as cur:
        facet = query_module._facet(cur, q, "name", Deadline.after_ms(0))
    assert facet == {"name": "name", "results": [], "truncated": True, "timed_out": True}


def test_generous_budget_counts_exactly(big: ServingHandle) -> None:
    access = DataAccess.public(big.columns)
    result = run_query(
        big, columns=big.columns, params="_extra=count&_size=1", access=access, time_budget_ms=5000
    )
    assert (result.count, result.count_truncated) == (BIG_ROWS, False)


class _CountingCursor:
    def __init__(self) -> None:
        self.interrupts = 0

    def interrupt(self) -> None:
        self.interrupts += 1


def test_watchdog_repeats_interrupts_until_the_statement_ends() -> None:
    # DuckDB forgets an interrupt that arrives before execution starts; repeating it
    # means a slow plan cannot slip past its budget.
    cursor = _CountingCursor()
    with WATCHDOG.watch(cursor, Deadline.after_ms(1)) as guard:
        time.sleep(0.08)
    assert guard.fired
    assert cursor.interrupts >= 3
    settled = cursor.interrupts
    time.sleep(0.05)
    assert cursor.interrupts == settled  # nothing after the block ended
