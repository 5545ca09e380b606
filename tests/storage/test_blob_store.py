"""The BlobStore contract, run against every implementation, plus backend specifics."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from pathlib import Path

import pytest

from kaifang.config import Settings
from kaifang.errors import InvalidInput, NotFound, TooLarge, Unavailable
from kaifang.storage import BlobStore, LocalBlobStore, MemoryBlobStore, make_blob_store
from kaifang.storage.s3 import S3BlobStore

from .conftest import S3_MULTIPART_BYTES, S3_SPOOL_BYTES, make_s3_client

MISSING_KEY = "0" * 64
BAD_KEYS = [
    "../../etc/passwd",
    "A" * 64,
    "a" * 63,
    "a" * 65,
    "g" * 64,
    "ab/" + "a" * 61,
    "",
]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def physical_copies(store: BlobStore) -> int:
    """How many copies the backend really holds, to prove deduplication and cleanup."""
    if isinstance(store, LocalBlobStore):
        return sum(1 for p in files_under(store.root) if p.parent != store.temp_dir)
    if isinstance(store, MemoryBlobStore):
        return len(store._blobs)
    assert isinstance(store, S3BlobStore)
    store.check()
    return int(store.client.list_objects_v2(Bucket=store.bucket).get("KeyCount", 0))


def temp_files(store: BlobStore) -> list[Path]:
    """Temporary files the backend may have left on disk."""
    if isinstance(store, LocalBlobStore):
        return files_under(store.temp_dir)
    if isinstance(store, S3BlobStore) and store.spool_dir is not None:
        return files_under(store.spool_dir)
    return []


class FailingStream(io.RawIOBase):
    """Yields some bytes, then fails like a dropped client connection."""

    def __init__(self, good: bytes) -> None:
        self._good = io.BytesIO(good)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._good.read(size)
        if not chunk:
            raise ConnectionResetError("client went away")
        return chunk


# --- the contract -------------------------------------------------------------------------


def test_put_bytes_keys_by_sha256_and_reads_back(store: BlobStore) -> None:
    data = "开放数据 open data\n".encode() * 100

    info = store.put_bytes(data)

    assert info.key == sha(data)
    assert info.size == len(data)
    assert store.exists(info.key)
    assert store.size(info.key) == len(data)
    with store.open(info.key) as reader:
        assert reader.read() == data


def test_empty_content_is_a_valid_blob(store: BlobStore) -> None:
    info = store.put_bytes(b"")

    assert (info.key, info.size) == (sha(b""), 0)
    with store.open(info.key) as reader:
        assert reader.read() == b""


def test_put_stream_handles_content_larger_than_buffers(store: BlobStore) -> None:
    # Bigger than the copy chunk and the S3 spool, so chunking and disk spooling both run.
    data = os.urandom(3 * 1024 * 1024 + 17)
    assert len(data) > S3_SPOOL_BYTES

    info = store.put_stream(io.BytesIO(data))

    assert info == type(info)(key=sha(data), size=len(data))
    with store.open(info.key) as reader:
        assert reader.read() == data
    assert temp_files(store) == []


def test_put_file_stores_a_copy(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "upload.csv"
    source.write_bytes(b"id,name\n1,Hangzhou\n")

    info = store.put_file(source)

    source.unlink()
    with store.open(info.key) as reader:
        assert reader.read() == b"id,name\n1,Hangzhou\n"


def test_identical_content_is_stored_once(store: BlobStore) -> None:
    first = store.put_bytes(b"same bytes")
    second = store.put_stream(io.BytesIO(b"same bytes"))
    other = store.put_bytes(b"other bytes")

    assert first == second
    assert other.key != first.key
    assert physical_copies(store) == 2


def test_max_bytes_allows_exactly_the_limit(store: BlobStore) -> None:
    info = store.put_bytes(b"x" * 10, max_bytes=10)

    assert info.size == 10


def test_exceeding_max_bytes_raises_and_leaves_nothing_behind(store: BlobStore) -> None:
    data = os.urandom(200 * 1024)

    with pytest.raises(TooLarge) as caught:
        store.put_stream(io.BytesIO(data), max_bytes=len(data) - 1)

    assert caught.value.details == {"max_bytes": len(data) - 1}
    assert not store.exists(sha(data))
    assert physical_copies(store) == 0
    assert temp_files(store) == []


def test_a_failing_source_leaves_nothing_behind(store: BlobStore) -> None:
    good = b"partial upload " * 1000

    with pytest.raises(ConnectionResetError):
        store.put_stream(FailingStream(good))  # type: ignore[arg-type]

    assert physical_copies(store) == 0
    assert temp_files(store) == []


def test_missing_blob_raises_not_found(store: BlobStore, tmp_path: Path) -> None:
    assert not store.exists(MISSING_KEY)
    with pytest.raises(NotFound):
        store.open(MISSING_KEY)
    with pytest.raises(NotFound):
        store.size(MISSING_KEY)
    with pytest.raises(NotFound):
        store.fetch_to(MISSING_KEY, tmp_path / "out.bin")
    assert not (tmp_path / "out.bin").exists()


def test_delete_removes_and_is_idempotent(store: BlobStore) -> None:
    info = store.put_bytes(b"to be removed")

    store.delete(info.key)
    store.delete(info.key)

    assert not store.exists(info.key)
    with pytest.raises(NotFound):
        store.open(info.key)


@pytest.mark.parametrize("bad_key", BAD_KEYS)
def test_malformed_keys_are_rejected_everywhere(
    store: BlobStore, bad_key: str, tmp_path: Path
) -> None:
    operations = [
        lambda: store.open(bad_key),
        lambda: store.exists(bad_key),
        lambda: store.size(bad_key),
        lambda: store.delete(bad_key),
        lambda: store.local_path(bad_key),
        lambda: store.fetch_to(bad_key, tmp_path / "out"),
    ]
    for operation in operations:
        with pytest.raises(InvalidInput):
            operation()


def test_non_string_key_is_rejected(store: BlobStore) -> None:
    with pytest.raises(InvalidInput):
        store.exists(None)  # type: ignore[arg-type]


def test_fetch_to_replaces_destination_atomically(store: BlobStore, tmp_path: Path) -> None:
    info = store.put_bytes(b"fresh content")
    dest = tmp_path / "out" / "copy.bin"
    dest.parent.mkdir()
    dest.write_bytes(b"stale content that is longer")

    store.fetch_to(info.key, dest)

    assert dest.read_bytes() == b"fresh content"
    assert [p.name for p in dest.parent.iterdir()] == ["copy.bin"]


def test_check_passes_on_a_usable_store(store: BlobStore) -> None:
    store.check()


# --- local files --------------------------------------------------------------------------


def test_local_layout_fans_out_and_exposes_the_path(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    info = store.put_bytes(b"layout")

    path = store.local_path(info.key)

    assert path == tmp_path / "blobs" / info.key[:2] / info.key[2:4] / info.key
    assert path.read_bytes() == b"layout"
    with pytest.raises(NotFound):
        store.local_path(MISSING_KEY)


def test_local_duplicate_put_keeps_the_existing_file(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    info = store.put_bytes(b"kept once")
    path = store.local_path(info.key)
    assert path is not None
    inode = path.stat().st_ino

    store.put_bytes(b"kept once")

    assert path.stat().st_ino == inode
    assert temp_files(store) == []


def test_local_put_is_atomic_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalBlobStore(tmp_path / "blobs")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.put_bytes(b"never visible")

    assert not store.exists(sha(b"never visible"))
    assert files_under(store.root) == []


def test_local_concurrent_puts_of_the_same_content_keep_one_intact_copy(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    data = os.urandom(512 * 1024)
    errors: list[BaseException] = []

    def put() -> None:
        try:
            store.put_bytes(data)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert errors == []
    assert physical_copies(store) == 1
    assert store.local_path(sha(data)).read_bytes() == data  # type: ignore[union-attr]
    assert temp_files(store) == []


def test_local_check_fails_when_root_is_not_a_directory(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    root.write_text("not a directory")

    with pytest.raises(Unavailable):
        LocalBlobStore(root).check()


# --- memory and S3 specifics --------------------------------------------------------------


def test_backends_without_local_files_return_no_path(s3_store: S3BlobStore) -> None:
    for store in (MemoryBlobStore(), s3_store):
        info = store.put_bytes(b"no local file")
        assert store.local_path(info.key) is None


def test_s3_creates_its_bucket_on_check(s3_store: S3BlobStore) -> None:
    s3_store.check()

    buckets = s3_store.client.list_buckets()["Buckets"]
    assert s3_store.bucket in {bucket["Name"] for bucket in buckets}


def test_s3_uploads_large_blobs_in_parts(s3_store: S3BlobStore) -> None:
    data = os.urandom(2 * S3_MULTIPART_BYTES + 1024)

    info = s3_store.put_bytes(data)

    head = s3_store.client.head_object(Bucket=s3_store.bucket, Key=s3_store.object_key(info.key))
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")  # multipart ETags end in the part count
    with s3_store.open(info.key) as reader:
        assert reader.read() == data


def test_s3_skips_uploading_content_it_already_has(s3_store: S3BlobStore) -> None:
    uploads: list[str] = []
    for operation in ("PutObject", "CreateMultipartUpload"):
        s3_store.client.meta.events.register(
            f"before-call.s3.{operation}", lambda model, **_: uploads.append(model.name)
        )

    first = s3_store.put_bytes(b"uploaded once")
    second = s3_store.put_bytes(b"uploaded once")

    assert first == second
    assert uploads == ["PutObject"]


def test_s3_object_names_are_prefixed_and_fanned_out(s3_store: S3BlobStore) -> None:
    info = s3_store.put_bytes(b"named")

    assert s3_store.object_key(info.key) == f"blobs/{info.key[:2]}/{info.key[2:4]}/{info.key}"


def test_s3_unreachable_endpoint_is_unavailable(tmp_path: Path) -> None:
    # Port 9 (discard) is closed on loopback, so the connection is refused at once.
    store = S3BlobStore(make_s3_client("http://127.0.0.1:9", attempts=1), "kaifang")

    with pytest.raises(Unavailable):
        store.check()
    with pytest.raises(Unavailable):
        store.put_bytes(b"nowhere to go")


# --- factory ------------------------------------------------------------------------------


def test_factory_builds_the_configured_backend(tmp_path: Path) -> None:
    local = make_blob_store(Settings(data_dir=tmp_path))
    memory = make_blob_store(Settings(data_dir=tmp_path, storage_backend="memory"))
    s3 = make_blob_store(
        Settings(
            data_dir=tmp_path,
            storage_backend="s3",
            s3_endpoint_url="http://127.0.0.1:9",
            s3_bucket="open-data",
        )
    )

    assert isinstance(local, LocalBlobStore) and local.root == tmp_path / "blobs"
    assert isinstance(memory, MemoryBlobStore)
    assert isinstance(s3, S3BlobStore) and s3.bucket == "open-data"
    assert s3.spool_dir == tmp_path / "tmp"
