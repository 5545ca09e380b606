"""Serving files: build from Parquet, atomic rebuild, and the connection catalog."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from kaifang.datastore import DataAccess, ServingCatalog, build_serving_file, run_query
from kaifang.errors import InvalidInput, NotFound

from .tables import sample_table, write_parquet


def _names(catalog: ServingCatalog, path: Path) -> list[str]:
    handle = catalog.open(path)
    access = DataAccess.public(handle.columns)
    return [
        r["name"] for r in run_query(handle, columns=handle.columns, params="", access=access).rows
    ]


def test_build_adds_a_hidden_stable_rowid(tmp_path: Path) -> None:
    parquet = write_parquet(sample_table(), tmp_path / "s.parquet")
    info = build_serving_file(parquet, tmp_path / "s.duckdb")
    assert info.row_count == 8
    assert [c.name for c in info.columns] == sample_table().column_names
    assert len(info.source_sha256) == 64
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        rowids = con.sql('SELECT "_rowid", code FROM data ORDER BY "_rowid"').fetchall()
    assert [r[0] for r in rowids] == list(range(8))
    assert [r[1] for r in rowids] == sample_table().column("code").to_pylist()


def test_reserved_rowid_name_is_refused(tmp_path: Path) -> None:
    parquet = write_parquet(pa.table({"_rowid": [1]}), tmp_path / "bad.parquet")
    with pytest.raises(InvalidInput, match="_rowid"):
        build_serving_file(parquet, tmp_path / "bad.duckdb")
    assert not (tmp_path / "bad.duckdb").exists()


def test_failed_build_leaves_the_old_file_and_no_temp_files(tmp_path: Path) -> None:
    dest = tmp_path / "v.duckdb"
    good = write_parquet(sample_table(), tmp_path / "good.parquet")
    build_serving_file(good, dest)
    before = dest.read_bytes()
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.raises(pa.ArrowInvalid):
        build_serving_file(broken, dest)
    with pytest.raises(InvalidInput):
        build_serving_file(good, dest, index_columns=["nope"])
    assert dest.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "broken.parquet",
        "good.parquet",
        "v.duckdb",
    ]


def test_rebuild_replaces_atomically_while_old_readers_finish(tmp_path: Path) -> None:
    catalog = ServingCatalog(tmp_path / "cache")
    v1 = write_parquet(sample_table(), tmp_path / "v1.parquet")
    v2 = write_parquet(pa.table({"name": ["新数据"]}), tmp_path / "v2.parquet")
    old = catalog.ensure("ds", v1)
    with old.cursor() as cur:  # a query in flight on the old file
        new = catalog.rebuild("ds", v2)
        assert cur.sql("SELECT count(*) FROM data").fetchall() == [(8,)]
    assert new.info.row_count == 1
    assert _names(catalog, catalog.path_for("ds")) == ["新数据"]
    # An old handle transparently reads the current file once its connection was retired.
    with old.cursor() as cur:
        assert cur.sql("SELECT count(*) FROM data").fetchall() == [(1,)]
    catalog.close()
    assert not list((tmp_path / "cache").glob(".*.tmp"))
    assert not list((tmp_path / "cache" / ".open").rglob("*.duckdb"))


def test_ensure_builds_once_and_open_missing_is_not_found(tmp_path: Path) -> None:
    catalog = ServingCatalog(tmp_path / "cache")
    parquet = write_parquet(sample_table(), tmp_path / "s.parquet")
    first = catalog.ensure("k", parquet, index_columns=["code"])
    mtime = catalog.path_for("k").stat().st_mtime_ns
    catalog.ensure("k", parquet)
    assert catalog.path_for("k").stat().st_mtime_ns == mtime
    assert first.info.row_count == 8
    with pytest.raises(NotFound):
        catalog.open(tmp_path / "cache" / "missing.duckdb")
    catalog.close()


def test_catalog_evicts_least_recently_used(tmp_path: Path) -> None:
    catalog = ServingCatalog(tmp_path / "cache", max_open=2)
    parquet = write_parquet(sample_table(), tmp_path / "s.parquet")
    handles = {k: catalog.ensure(k, parquet) for k in ["a", "b"]}
    catalog.open(catalog.path_for("a"))  # a is now the most recent
    with handles["b"].cursor() as busy:
        catalog.ensure("c", parquet)  # evicts b, which is in use
        assert catalog.open_count == 2
        assert busy.sql("SELECT count(*) FROM data").fetchall() == [(8,)]
    assert _names(catalog, catalog.path_for("b"))[0] == "张三"  # reopened on demand
    catalog.close()
    assert catalog.open_count == 0


def test_catalog_keys_cannot_escape_the_cache(tmp_path: Path) -> None:
    catalog = ServingCatalog(tmp_path)
    for key in ["../x", "a/b", "", ".hidden", "a..b", "x" * 200]:
        with pytest.raises(InvalidInput):
            catalog.path_for(key)


def test_concurrent_queries_share_one_connection(tmp_path: Path) -> None:
    catalog = ServingCatalog(tmp_path / "cache")
    handle = catalog.ensure("t", write_parquet(sample_table(), tmp_path / "s.parquet"))
    access = DataAccess.public(handle.columns)
    errors: list[BaseException] = []
    counts: list[int] = []

    def work() -> None:
        try:
            for _ in range(20):
                result = run_query(
                    handle,
                    columns=handle.columns,
                    params="_extra=count&_facet=district",
                    access=access,
                )
                counts.append(result.count or 0)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    catalog.close()
    assert not errors
    assert counts == [8] * 120


def _compression(path: Path) -> dict[str, set[str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.sql(
            "SELECT column_name, compression FROM pragma_storage_info('data') "
            "WHERE compression <> 'Constant'"
        ).fetchall()
    out: dict[str, set[str]] = {}
    for name, method in rows:
        out.setdefault(name, set()).add(method)
    return out


def test_high_cardinality_text_is_stored_uncompressed(tmp_path: Path) -> None:
    n = 5000
    table = pa.table({"code": [f"{i:018d}" for i in range(n)], "kind": ["甲", "乙"] * (n // 2)})
    info = build_serving_file(write_parquet(table, tmp_path / "c.parquet"), tmp_path / "c.duckdb")
    assert info.fulltext_columns == ("code", "kind")
    methods = _compression(tmp_path / "c.duckdb")
    assert methods["code"] == {"Uncompressed"}
    assert methods["_fulltext"] == {"Uncompressed"}
    assert "Uncompressed" not in methods["kind"]


def test_nested_types_fall_back_to_a_plain_build(tmp_path: Path) -> None:
    table = pa.table({"tags": [["a", "b"], [], None], "name": ["x", "y", "z"]})
    info = build_serving_file(write_parquet(table, tmp_path / "n.parquet"), tmp_path / "n.duckdb")
    assert [c.name for c in info.columns] == ["tags", "name"]
    assert info.columns[0].kind == "other"
    catalog = ServingCatalog(tmp_path)
    handle = catalog.open(tmp_path / "n.duckdb")
    access = DataAccess.public(handle.columns)
    rows = run_query(handle, columns=handle.columns, params="_search=y", access=access).rows
    catalog.close()
    assert rows == [{"tags": [], "name": "y"}]
