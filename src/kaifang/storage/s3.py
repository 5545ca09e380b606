"""Blobs as objects in an S3-compatible bucket (AWS S3, MinIO, Aliyun OSS, ...)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from kaifang.config import Settings
from kaifang.errors import NotFound, Unavailable
from kaifang.storage.base import BlobStoreBase
from kaifang.storage.hashing import copy_hashing, validate_key
from kaifang.storage.interfaces import BlobInfo

SPOOL_BYTES = 8 * 1024 * 1024
MULTIPART_BYTES = 16 * 1024 * 1024
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NoSuchBucket", "NotFound"})


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_missing(exc: ClientError) -> bool:
    return _error_code(exc) in _MISSING_CODES


def _not_found(key: str) -> NotFound:
    return NotFound("文件不存在 (blob not found)", details={"key": key})


@contextmanager
def _unavailable_on_error() -> Iterator[None]:
    """Turn transport and server failures into Unavailable; domain errors pass through."""
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise Unavailable(f"对象存储不可用 (object storage unavailable: {exc})") from exc


def make_s3_client(settings: Settings) -> Any:
    """A boto3 S3 client for the configured endpoint; empty credentials defer to boto3's chain."""
    access_key = settings.s3_access_key.get_secret_value() or None
    secret_key = settings.s3_secret_key.get_secret_value() or None
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=settings.s3_region,
        config=Config(connect_timeout=5, read_timeout=60, retries={"mode": "standard"}),
    )


class S3BlobStore(BlobStoreBase):
    """Content-addressed objects ``<prefix>ab/cd/<sha256>`` in one bucket, created on first use."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        prefix: str = "blobs/",
        spool_dir: Path | None = None,
        spool_bytes: int = SPOOL_BYTES,
        multipart_bytes: int = MULTIPART_BYTES,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.spool_dir = spool_dir
        self.spool_bytes = spool_bytes
        self.transfer = TransferConfig(
            multipart_threshold=multipart_bytes, multipart_chunksize=multipart_bytes
        )
        self._bucket_ready = False

    @classmethod
    def from_settings(cls, settings: Settings) -> S3BlobStore:
        """The store for ``settings``; large uploads spool under ``data_dir/tmp``, not /tmp."""
        return cls(
            make_s3_client(settings), settings.s3_bucket, spool_dir=settings.data_dir / "tmp"
        )

    def object_key(self, key: str) -> str:
        """The object name of a blob; raises InvalidInput for a malformed key."""
        key = validate_key(key)
        return f"{self.prefix}{key[:2]}/{key[2:4]}/{key}"

    def put_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> BlobInfo:
        """Hash into a spool file, then upload (multipart when large) unless already stored."""
        # The key is only known after reading everything, so the bytes are spooled first;
        # an upload over the limit therefore never reaches the bucket.
        spool_dir = None
        if self.spool_dir is not None:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            spool_dir = str(self.spool_dir)
        with tempfile.SpooledTemporaryFile(max_size=self.spool_bytes, dir=spool_dir) as spool:
            info = copy_hashing(stream, cast(BinaryIO, spool), max_bytes=max_bytes)
            spool.seek(0)
            with _unavailable_on_error():
                self._ensure_bucket()
                if not self._head(info.key):
                    self.client.upload_fileobj(
                        spool, self.bucket, self.object_key(info.key), Config=self.transfer
                    )
        return info

    def open(self, key: str) -> BinaryIO:
        """A streaming reader over the object; raises NotFound."""
        name = self.object_key(key)
        with _unavailable_on_error():
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=name)
            except ClientError as exc:
                if _is_missing(exc):
                    raise _not_found(key) from None
                raise
        return cast(BinaryIO, response["Body"])

    def exists(self, key: str) -> bool:
        """Whether the object is stored."""
        name = self.object_key(key)
        with _unavailable_on_error():
            return self._head_object(name) is not None

    def size(self, key: str) -> int:
        """The object's size in bytes; raises NotFound."""
        name = self.object_key(key)
        with _unavailable_on_error():
            head = self._head_object(name)
        if head is None:
            raise _not_found(key)
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        """Remove the object if present."""
        name = self.object_key(key)
        with _unavailable_on_error():
            self.client.delete_object(Bucket=self.bucket, Key=name)

    def local_path(self, key: str) -> Path | None:
        """Always None: objects have no local file (use ``fetch_to``)."""
        validate_key(key)
        return None

    def check(self) -> None:
        """Raises Unavailable unless the bucket is reachable; creates it when missing."""
        self._bucket_ready = False
        with _unavailable_on_error():
            self._ensure_bucket()

    def _head(self, key: str) -> bool:
        return self._head_object(self.object_key(key)) is not None

    def _head_object(self, name: str) -> dict[str, Any] | None:
        try:
            return cast(dict[str, Any], self.client.head_object(Bucket=self.bucket, Key=name))
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if not _is_missing(exc):
                raise
            self._create_bucket()
        self._bucket_ready = True

    def _create_bucket(self) -> None:
        region = self.client.meta.region_name
        options: dict[str, Any] = {}
        if region and region != "us-east-1":
            # us-east-1 is the one region S3 rejects as an explicit location constraint.
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self.client.create_bucket(Bucket=self.bucket, **options)
        except ClientError as exc:
            # Another process may have created it between our HEAD and CREATE.
            if _error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
