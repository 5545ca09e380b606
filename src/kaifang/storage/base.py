"""Behaviour every blob store shares once it can store a stream and open a key."""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO

from kaifang.storage.hashing import write_atomically
from kaifang.storage.interfaces import BlobInfo


class BlobStoreBase(ABC):
    """Derives the convenience methods of BlobStore from ``put_stream`` and ``open``."""

    @abstractmethod
    def put_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> BlobInfo:
        """Store everything read from ``stream``; raises TooLarge past ``max_bytes``."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A binary reader over the blob; raises NotFound."""

    def put_bytes(self, data: bytes, *, max_bytes: int | None = None) -> BlobInfo:
        """Store ``data``; raises TooLarge past ``max_bytes``."""
        return self.put_stream(io.BytesIO(data), max_bytes=max_bytes)

    def put_file(self, path: Path, *, max_bytes: int | None = None) -> BlobInfo:
        """Store a copy of the file at ``path``; raises TooLarge past ``max_bytes``."""
        with Path(path).open("rb") as stream:
            return self.put_stream(stream, max_bytes=max_bytes)

    def fetch_to(self, key: str, dest: Path) -> None:
        """Copy the blob to ``dest`` atomically (replacing it); raises NotFound."""
        with self.open(key) as source:
            write_atomically(source, Path(dest))
