"""Reading one page of a harvest source through the SSRF-safe fetcher."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kaifang.config import Settings
from kaifang.errors import BadRequest, DomainError
from kaifang.ingest.fetch import fetch_url

PAGE_TIMEOUT_SECONDS = 60.0


class HarvestSourceError(BadRequest):
    """The source could not be read or understood; the run fails and nothing is changed."""

    code = "harvest_source_error"


@dataclass(frozen=True)
class Document:
    """One fetched page: its body and declared content type."""

    url: str
    body: bytes
    content_type: str


Fetch = Callable[[str], Document]


def make_fetcher(settings: Settings) -> Fetch:
    """A fetch function honouring the harvest settings (trusted hosts, page size cap)."""
    root = settings.data_dir / "tmp"

    def fetch(url: str) -> Document:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="kf-harvest-", dir=root) as tmp:
            try:
                result = fetch_url(
                    url,
                    dest_dir=Path(tmp),
                    max_bytes=settings.harvest_max_page_bytes,
                    timeout_seconds=PAGE_TIMEOUT_SECONDS,
                    trusted_hosts=settings.harvest_trusted_hosts,
                )
            except DomainError as exc:
                message = f"读取来源失败 (cannot read the source): {exc.message}"
                raise HarvestSourceError(message) from None
            body = result.path.read_bytes()
        return Document(url=result.url, body=body, content_type=result.content_type or "")

    return fetch
