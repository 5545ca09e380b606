"""Content-addressed file storage (originals, exports) behind the BlobStore protocol."""

from kaifang.storage.factory import make_blob_store
from kaifang.storage.interfaces import BlobInfo, BlobStore
from kaifang.storage.local import LocalBlobStore
from kaifang.storage.memory import MemoryBlobStore

__all__ = ["BlobInfo", "BlobStore", "LocalBlobStore", "MemoryBlobStore", "make_blob_store"]
