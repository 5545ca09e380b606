"""Key validation and the hash-while-copying loop shared by every blob store."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from kaifang.errors import InvalidInput, TooLarge
from kaifang.storage.interfaces import BlobInfo

CHUNK_SIZE = 1024 * 1024
_KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


def validate_key(key: object) -> str:
    """Return ``key`` if it is 64 lower-case hex characters; raises InvalidInput otherwise."""
    # Keys become file names and object names, so anything else could traverse paths.
    if not isinstance(key, str) or _KEY_PATTERN.fullmatch(key) is None:
        raise InvalidInput("无效的文件标识 (invalid blob key)", details={"key": str(key)[:80]})
    return key


def too_large(max_bytes: int) -> TooLarge:
    """The error raised when an upload passes its size limit."""
    return TooLarge(
        f"文件超过大小上限 {max_bytes} 字节 (file exceeds the {max_bytes}-byte limit)",
        details={"max_bytes": max_bytes},
    )


def copy_hashing(source: BinaryIO, sink: BinaryIO, *, max_bytes: int | None) -> BlobInfo:
    """Copy ``source`` into ``sink`` while hashing; raises TooLarge once past ``max_bytes``."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK_SIZE):
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise too_large(max_bytes)
        digest.update(chunk)
        sink.write(chunk)
    return BlobInfo(key=digest.hexdigest(), size=size)


def fsync_dir(path: Path) -> None:
    """Flush a directory entry so a rename inside it survives a power loss."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(source: BinaryIO, dest: Path) -> None:
    """Copy ``source`` to ``dest`` via a synced temporary sibling and an atomic rename."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as sink:
            shutil.copyfileobj(source, sink, CHUNK_SIZE)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(dest.parent)
