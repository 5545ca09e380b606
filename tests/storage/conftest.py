"""Blob store fixtures: every contract test runs on local files, memory and an S3 emulator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from kaifang.storage import BlobStore, LocalBlobStore, MemoryBlobStore
from kaifang.storage.s3 import S3BlobStore

S3_SPOOL_BYTES = 64 * 1024
S3_MULTIPART_BYTES = 5 * 1024 * 1024  # the smallest part size S3 accepts


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3 emulator (moto in server mode) on a free loopback port for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def make_s3_client(endpoint: str, *, attempts: int = 3) -> object:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
        config=Config(connect_timeout=1, retries={"max_attempts": attempts, "mode": "standard"}),
    )


@pytest.fixture
def s3_store(s3_endpoint: str, tmp_path: Path) -> S3BlobStore:
    """An S3 store on a fresh bucket (created on first use), spooling to a test-owned dir."""
    return S3BlobStore(
        make_s3_client(s3_endpoint),
        f"test-{uuid.uuid4().hex[:12]}",
        spool_dir=tmp_path / "spool",
        spool_bytes=S3_SPOOL_BYTES,
        multipart_bytes=S3_MULTIPART_BYTES,
    )


@pytest.fixture(params=["local", "memory", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """Each blob store implementation in turn."""
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    if request.param == "memory":
        return MemoryBlobStore()
    return request.getfixturevalue("s3_store")
