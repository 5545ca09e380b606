"""Choose the blob store named by the settings."""

from __future__ import annotations

from kaifang.config import Settings
from kaifang.storage.interfaces import BlobStore
from kaifang.storage.local import LocalBlobStore
from kaifang.storage.memory import MemoryBlobStore


def make_blob_store(settings: Settings) -> BlobStore:
    """The store for ``settings.storage_backend``: local files, S3-compatible or memory."""
    if settings.storage_backend == "s3":
        # Imported here so the embedded (local) deployment never pays for loading boto3.
        from kaifang.storage.s3 import S3BlobStore

        return S3BlobStore.from_settings(settings)
    if settings.storage_backend == "memory":
        return MemoryBlobStore()
    return LocalBlobStore(settings.data_dir / "blobs")
