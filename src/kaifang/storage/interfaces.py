"""The blob store contract: content-addressed files keyed by their SHA-256."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol


@dataclass(frozen=True)
class BlobInfo:
    """A stored blob: its key (lower-case hex SHA-256 of the content) and size in bytes."""

    key: str
    size: int


class BlobStore(Protocol):
    """Immutable, deduplicated file storage; every key is the SHA-256 of its content."""

    def put_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> BlobInfo:
        """Store everything read from ``stream``; raises TooLarge past ``max_bytes``."""
        ...

    def put_bytes(self, data: bytes, *, max_bytes: int | None = None) -> BlobInfo:
        """Store ``data``; raises TooLarge past ``max_bytes``."""
        ...

    def put_file(self, path: Path, *, max_bytes: int | None = None) -> BlobInfo:
        """Store a copy of the file at ``path``; raises TooLarge past ``max_bytes``."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A binary reader over the blob; raises NotFound, or InvalidInput for a malformed key."""
        ...

    def exists(self, key: str) -> bool:
        """Whether the blob is stored; raises InvalidInput for a malformed key."""
        ...

    def size(self, key: str) -> int:
        """The blob's size in bytes; raises NotFound."""
        ...

    def delete(self, key: str) -> None:
        """Remove the blob if present (idempotent); callers own reference counting."""
        ...

    def local_path(self, key: str) -> Path | None:
        """A file to read the blob in place, or None when the backend keeps no local files.

        Raises NotFound when the backend keeps files and this blob is missing.
        """
        ...

    def fetch_to(self, key: str, dest: Path) -> None:
        """Copy the blob to ``dest`` atomically (replacing it); raises NotFound."""
        ...

    def check(self) -> None:
        """Readiness probe; raises Unavailable when the store cannot be used."""
        ...
