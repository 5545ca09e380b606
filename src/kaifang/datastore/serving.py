"""Serving files: a DuckDB database per Parquet version, and a pool of read-only connections.

The Parquet file is the source of truth; the serving file (table ``data`` plus the hidden
``_rowid`` = the row's position in the Parquet file) is a rebuildable cache of it. Builds go
to a temporary name in the destination folder and are renamed into place, so readers never
see a half-written file; connections already open keep reading the old inode.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kaifang.datastore.columns import FULLTEXT, RESERVED, ROWID, ColumnInfo, quote_ident
from kaifang.datastore.compiler import select_list
from kaifang.errors import InvalidInput, NotFound

FORMAT_VERSION = "1"
_META_TABLE = "_kaifang_meta"
_KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_CONNECT_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


@dataclass(frozen=True)
class ServingInfo:
    """What a serving file holds."""

    path: Path
    row_count: int
    columns: list[ColumnInfo]
    source_sha256: str
    format_version: str = FORMAT_VERSION
    fulltext_columns: tuple[str, ...] | None = None
    """The text columns concatenated into ``_fulltext``; None if the file has no such column."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_source(parquet_path: Path) -> pa.Schema:
    schema = pq.read_schema(parquet_path)
    names = schema.names
    clash = sorted(RESERVED & set(names))
    if clash:
        raise InvalidInput(f"the column name {clash[0]} is reserved", details={"column": clash[0]})
    if any(not n or "\x00" in n for n in names) or len(set(names)) != len(names):
        raise InvalidInput("column names must be non-empty and unique")
    return schema


def _fulltext_sql(schema: pa.Schema) -> str:
    """``, concat_ws(U+001F, <text columns>) AS _fulltext`` or nothing without text columns.

    One stored column scans about twice as fast as an OR over each text column; U+001F
    cannot occur in a search term, so no match can span two columns.
    """
    text = [
        f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    if not text:
        return ""
    return f", concat_ws(chr(31), {select_list(text)}) AS {quote_ident(FULLTEXT)}"


_SIMPLE_TYPE = re.compile(r"[A-Z][A-Z0-9_ ]*(\(\d+(, ?\d+)?\))?")


def _uncompressed_text(
    con: duckdb.DuckDBPyConnection, source: str, path: str, text: list[str]
) -> set[str]:
    """Text columns with many distinct values: stored uncompressed.

    DuckDB's default dictionary+FSST compression makes every page, lookup and substring
    scan decode whole vectors (measured 3-10x slower on 1M rows); low-cardinality columns
    keep it, because it makes grouping (facets) several times faster.
    """
    if not text:
        return set()
    counts = ", ".join(f"approx_count_distinct({quote_ident(c)})" for c in text)
    row = con.execute(f"SELECT count(*), {counts} FROM {source}", [path]).fetchall()[0]
    limit = max(1000, int(row[0]) // 20)
    return {c for c, distinct in zip(text, row[1:], strict=True) if int(distinct) > limit}


def _create_table(
    con: duckdb.DuckDBPyConnection, source: str, path: str, columns: list[tuple[str, str]]
) -> bool:
    """CREATE TABLE data with per-column compression; False if a type is not a plain one."""
    if not all(_SIMPLE_TYPE.fullmatch(sql_type) for _, sql_type in columns):
        return False
    text = [name for name, sql_type in columns if sql_type == "VARCHAR"]
    plain = _uncompressed_text(con, source, path, text) | {FULLTEXT}
    defs = [f"{quote_ident(ROWID)} BIGINT"] + [
        f"{quote_ident(n)} {t}" + (" USING COMPRESSION uncompressed" if n in plain else "")
        for n, t in columns
    ]
    if text:
        defs.append(f"{quote_ident(FULLTEXT)} VARCHAR USING COMPRESSION uncompressed")
    con.execute(f"CREATE TABLE data ({', '.join(defs)})")
    return True


def _load(con: duckdb.DuckDBPyConnection, parquet_path: Path, schema: pa.Schema) -> None:
    # file_row_number is the row's position in the Parquet file: stable across rebuilds,
    # so cursors handed out before a rebuild stay valid. Rows are stored in that order,
    # which lets unsorted pages skip the sort (see query.py).
    rowid = quote_ident(ROWID)
    path = str(parquet_path)
    if "file_row_number" in schema.names:
        select = f"SELECT row_number() OVER () - 1 AS {rowid}, *"
        source = "read_parquet(?)"
    else:
        select = f"SELECT file_row_number AS {rowid}, * EXCLUDE (file_row_number)"
        source = "read_parquet(?, file_row_number = true)"
    con.execute("SET preserve_insertion_order = true")
    described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()
    query = f"{select}{_fulltext_sql(schema)} FROM {source}"
    if _create_table(con, source, path, [(r[0], r[1]) for r in described]):
        con.execute(f"INSERT INTO data {query}", [path])
    else:
        con.execute(f"CREATE TABLE data AS {query}", [path])
    con.execute(f"CREATE UNIQUE INDEX data_rowid ON data ({rowid})")


def _write_meta(con: duckdb.DuckDBPyConnection, sha: str) -> None:
    con.execute(f"CREATE TABLE {_META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.executemany(
        f"INSERT INTO {_META_TABLE} VALUES (?, ?)",
        [["format_version", FORMAT_VERSION], ["source_sha256", sha]],
    )


def read_serving_info(con: duckdb.DuckDBPyConnection, path: Path) -> ServingInfo:
    """Describe an open serving file: its columns (without ``_rowid``), rows and source."""
    described = con.sql("DESCRIBE data").fetchall()
    columns = [ColumnInfo(name=r[0], sql_type=r[1]) for r in described if r[0] not in RESERVED]
    ((count,),) = con.sql("SELECT count(*) FROM data").fetchall()
    meta = dict(con.sql(f"SELECT key, value FROM {_META_TABLE}").fetchall())
    return ServingInfo(
        path=path,
        row_count=int(count),
        columns=columns,
        source_sha256=meta.get("source_sha256", ""),
        format_version=meta.get("format_version", ""),
        fulltext_columns=tuple(c.name for c in columns if c.is_text)
        if any(r[0] == FULLTEXT for r in described)
        else None,
    )


def _remove_quietly(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def build_serving_file(
    parquet_path: Path, dest: Path, *, index_columns: Sequence[str] = ()
) -> ServingInfo:
    """Build (or rebuild) the serving file ``dest`` from a Parquet file, atomically.

    ``index_columns`` get an ART index for fast point lookups (e.g. an identifier column).
    Raises InvalidInput if the Parquet uses a reserved name (``_rowid``, ``_fulltext``) or an
    unknown index column; the destination is untouched when the build fails.
    """
    schema = _check_source(parquet_path)
    unknown = [c for c in index_columns if c not in schema.names]
    if unknown:
        raise InvalidInput(f"unknown index column: {unknown[0]}", details={"column": unknown[0]})
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.tmp")
    try:
        with duckdb.connect(str(tmp), config={"autoinstall_known_extensions": False}) as con:
            _load(con, parquet_path, schema)
            for i, name in enumerate(index_columns):
                con.execute(f"CREATE INDEX idx_{i} ON data ({quote_ident(name)})")
            _write_meta(con, _sha256(parquet_path))
            con.execute("CHECKPOINT")
            info = read_serving_info(con, dest)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    finally:
        _remove_quietly(tmp, tmp.with_name(tmp.name + ".wal"))
    return info


@dataclass(eq=False)
class _Entry:
    path: Path
    link: Path
    signature: tuple[int, int, int]
    conn: duckdb.DuckDBPyConnection
    info: ServingInfo
    leases: int = 0
    evicted: bool = False

    def close(self) -> None:
        self.conn.close()
        if self.link != self.path:
            _remove_quietly(self.link)


@dataclass(eq=False)
class ServingHandle:
    """A serving file opened by the catalog; use ``with handle.cursor() as cur`` per query."""

    _catalog: ServingCatalog
    _entry: _Entry

    @property
    def info(self) -> ServingInfo:
        return self._entry.info

    @property
    def columns(self) -> list[ColumnInfo]:
        return self._entry.info.columns

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A private cursor on the shared read-only connection, leased until the block ends."""
        entry, cur = self._catalog._lease(self._entry)
        try:
            yield cur
        finally:
            self._catalog._release(entry, cur)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(eq=False)
class ServingCatalog:
    """Read-only DuckDB connections per serving file, least-recently-used evicted.

    Serving files are kept in ``cache_dir`` under a key (e.g. ``<resource>-<version>``);
    :meth:`ensure` builds a missing one from its Parquet. Thread-safe: every query takes its
    own cursor through :meth:`ServingHandle.cursor`, and a connection evicted while cursors
    are out is closed when the last one is returned.

    DuckDB shares one database instance per path within a process, so a file replaced by a
    rebuild would keep being served from the old instance. Each open therefore goes through
    a private hard link (``.open/<pid>.<token>/``) that pins the inode it was opened on.
    """

    cache_dir: Path
    max_open: int = 16
    threads: int | None = None
    memory_limit: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _build_locks: dict[str, threading.Lock] = field(default_factory=dict)
    _open: OrderedDict[Path, _Entry] = field(default_factory=OrderedDict)
    _link_dir: Path | None = None

    def path_for(self, key: str) -> Path:
        """The serving file for ``key``; keys are plain names, never paths."""
        if not _KEY_RE.fullmatch(key) or ".." in key:
            raise InvalidInput("invalid serving key", details={"key": key[:64]})
        return self.cache_dir / f"{key}.duckdb"

    def ensure(
        self, key: str, parquet_path: Path, *, index_columns: Sequence[str] = ()
    ) -> ServingHandle:
        """Open the serving file for ``key``, building it from ``parquet_path`` if missing."""
        path = self.path_for(key)
        with self._lock:
            build_lock = self._build_locks.setdefault(key, threading.Lock())
        with build_lock:
            if not path.exists():
                build_serving_file(parquet_path, path, index_columns=index_columns)
        return self.open(path)

    def rebuild(
        self, key: str, parquet_path: Path, *, index_columns: Sequence[str] = ()
    ) -> ServingHandle:
        """Rebuild the serving file for ``key`` and atomically replace the old one."""
        path = self.path_for(key)
        build_serving_file(parquet_path, path, index_columns=index_columns)
        return self.open(path)

    def open(self, path: Path) -> ServingHandle:
        """A handle on ``path``, reopening it if the file was replaced since it was opened."""
        with self._lock:
            return ServingHandle(self, self._open_locked(path))

    def _open_locked(self, path: Path) -> _Entry:
        try:
            st = path.stat()
        except FileNotFoundError:
            raise NotFound("the data table is not available") from None
        signature = (st.st_ino, st.st_mtime_ns, st.st_size)
        entry = self._open.get(path)
        if entry is not None and entry.signature == signature:
            self._open.move_to_end(path)
            return entry
        if entry is not None:
            self._evict(path)
        entry = self._connect(path)
        self._open[path] = entry
        while len(self._open) > self.max_open:
            self._evict(next(iter(self._open)))
        return entry

    def _links(self) -> Path:
        if self._link_dir is None:
            root = self.cache_dir / ".open"
            root.mkdir(parents=True, exist_ok=True)
            for stale in root.iterdir():
                pid = stale.name.split(".", 1)[0]
                if pid.isdigit() and not _pid_alive(int(pid)):
                    for f in stale.iterdir():
                        _remove_quietly(f)
                    with contextlib.suppress(OSError):
                        stale.rmdir()
            self._link_dir = root / f"{os.getpid()}.{secrets.token_hex(4)}"
            self._link_dir.mkdir()
        return self._link_dir

    def _config(self) -> dict[str, str | bool | int | float | list[str]]:
        config: dict[str, str | bool | int | float | list[str]] = dict(_CONNECT_CONFIG)
        if self.threads:
            config["threads"] = self.threads
        if self.memory_limit:
            config["memory_limit"] = self.memory_limit
        return config

    def _connect(self, path: Path) -> _Entry:
        link = self._links() / f"{secrets.token_hex(8)}.duckdb"
        try:
            os.link(path, link)
        except OSError:
            # Another file system: open the path itself (a rebuild then needs the old
            # connection closed before the new file is seen).
            link = path
        st = link.stat()
        conn: duckdb.DuckDBPyConnection | None = None
        try:
            conn = duckdb.connect(str(link), read_only=True, config=self._config())
            info = read_serving_info(conn, path)
        except BaseException:
            if conn is not None:
                conn.close()
            if link != path:
                _remove_quietly(link)
            raise
        return _Entry(path, link, (st.st_ino, st.st_mtime_ns, st.st_size), conn, info)

    def _evict(self, path: Path) -> None:
        entry = self._open.pop(path)
        entry.evicted = True
        if entry.leases == 0:
            entry.close()

    def _lease(self, entry: _Entry) -> tuple[_Entry, duckdb.DuckDBPyConnection]:
        # Creating and closing cursors touches the parent connection's cursor list, which
        # is not safe from several threads at once: both happen under the catalog lock.
        with self._lock:
            if entry.evicted and entry.leases == 0:
                entry = self._open_locked(entry.path)
            cur = entry.conn.cursor()
            entry.leases += 1
            return entry, cur

    def _release(self, entry: _Entry, cur: duckdb.DuckDBPyConnection) -> None:
        with self._lock:
            cur.close()
            entry.leases -= 1
            if entry.evicted and entry.leases == 0:
                entry.close()

    @property
    def open_count(self) -> int:
        with self._lock:
            return len(self._open)

    def close(self) -> None:
        """Close every idle connection; busy ones close when their cursors are returned."""
        with self._lock:
            for path in list(self._open):
                self._evict(path)
