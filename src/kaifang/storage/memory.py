"""The in-memory twin of the blob stores, for tests and throwaway runs."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import BinaryIO

from kaifang.errors import NotFound
from kaifang.storage.base import BlobStoreBase
from kaifang.storage.hashing import copy_hashing, validate_key
from kaifang.storage.interfaces import BlobInfo


class MemoryBlobStore(BlobStoreBase):
    """Blobs held in a dict; same contract as the real stores, nothing persisted."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> BlobInfo:
        """Store everything read from ``stream``; raises TooLarge past ``max_bytes``."""
        buffer = io.BytesIO()
        info = copy_hashing(stream, buffer, max_bytes=max_bytes)
        with self._lock:
            self._blobs.setdefault(info.key, buffer.getvalue())
        return info

    def _get(self, key: str) -> bytes:
        with self._lock:
            data = self._blobs.get(validate_key(key))
        if data is None:
            raise NotFound("文件不存在 (blob not found)", details={"key": key})
        return data

    def open(self, key: str) -> BinaryIO:
        """A binary reader over the blob; raises NotFound."""
        return io.BytesIO(self._get(key))

    def exists(self, key: str) -> bool:
        """Whether the blob is stored."""
        with self._lock:
            return validate_key(key) in self._blobs

    def size(self, key: str) -> int:
        """The blob's size in bytes; raises NotFound."""
        return len(self._get(key))

    def delete(self, key: str) -> None:
        """Remove the blob if present."""
        with self._lock:
            self._blobs.pop(validate_key(key), None)

    def local_path(self, key: str) -> Path | None:
        """Always None: memory keeps no files."""
        validate_key(key)
        return None

    def check(self) -> None:
        """Always ready."""
