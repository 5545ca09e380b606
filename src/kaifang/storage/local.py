"""Blobs as files under one directory, fanned out as ``ab/cd/<sha256>``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from kaifang.errors import NotFound, Unavailable
from kaifang.storage.base import BlobStoreBase
from kaifang.storage.hashing import copy_hashing, fsync_dir, validate_key
from kaifang.storage.interfaces import BlobInfo


def _not_found(key: str) -> NotFound:
    return NotFound("文件不存在 (blob not found)", details={"key": key})


class LocalBlobStore(BlobStoreBase):
    """Content-addressed files on a local filesystem, written atomically and fsynced."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        # Temporary files live under the root so the final rename never crosses filesystems.
        self.temp_dir = self.root / "tmp"

    def path_for(self, key: str) -> Path:
        """Where the blob lives (whether or not it exists); raises InvalidInput for a bad key."""
        key = validate_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> BlobInfo:
        """Store everything read from ``stream``; raises TooLarge past ``max_bytes``, leaving nothing."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.temp_dir, prefix="upload-", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as sink:
                info = copy_hashing(stream, sink, max_bytes=max_bytes)
                sink.flush()
                os.fsync(sink.fileno())
            self._install(tmp, info.key)
        finally:
            tmp.unlink(missing_ok=True)
        return info

    def _install(self, tmp: Path, key: str) -> None:
        dest = self.path_for(key)
        if dest.exists():
            # Same hash, same bytes: the earlier copy is kept and the new one dropped.
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
        fsync_dir(dest.parent)

    def open(self, key: str) -> BinaryIO:
        """A binary reader over the blob; raises NotFound."""
        try:
            return self.path_for(key).open("rb")
        except FileNotFoundError:
            raise _not_found(key) from None

    def exists(self, key: str) -> bool:
        """Whether the blob is stored."""
        return self.path_for(key).is_file()

    def size(self, key: str) -> int:
        """The blob's size in bytes; raises NotFound."""
        try:
            return self.path_for(key).stat().st_size
        except FileNotFoundError:
            raise _not_found(key) from None

    def delete(self, key: str) -> None:
        """Remove the blob if present."""
        self.path_for(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        """The blob's file, for readers (DuckDB, pyarrow) that want a path; raises NotFound."""
        path = self.path_for(key)
        if not path.is_file():
            raise _not_found(key)
        return path

    def check(self) -> None:
        """Raises Unavailable unless the root exists (or can be created) and is writable."""
        try:
            self.temp_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Unavailable(f"文件存储不可用 (blob store unavailable: {exc.strerror})") from None
        if not os.access(self.temp_dir, os.W_OK):
            raise Unavailable("文件存储不可写 (blob store is not writable)")
