"""What a harvested record becomes before it touches the catalogue, and its content hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class HarvestedResource:
    """A remote distribution, kept as a link."""

    name: str
    url: str
    format: str = ""
    description: str = ""


@dataclass(frozen=True)
class HarvestedDataset:
    """One source record mapped to our catalogue fields (vocabulary values still unresolved).

    ``guid`` is the source's own id (CKAN package id, DCAT dataset URI); ``stable_key`` is a
    second key that survives re-identification (a Kaifang catalogue code, a CKAN name or
    ``dct:identifier``), so a record whose id changed is still recognised.
    """

    guid: str
    stable_key: str
    title: str
    summary: str = ""
    keywords: tuple[str, ...] = ()
    themes: tuple[tuple[str, ...], ...] = ()
    update_frequency: str = ""
    open_attribute: str = ""
    grade: str = ""
    licence: str = ""
    base_class: str = ""
    temporal_start: str = ""
    temporal_end: str = ""
    spatial_coverage: str = ""
    contact_name: str = ""
    contact_email: str = ""
    source_url: str = ""
    resources: tuple[HarvestedResource, ...] = field(default_factory=tuple)
    # The publishing organization's names at the source (title, then short name), matched to
    # our organizations when the source asks for it. Not in the content hash: the matched
    # organization is (``apply.record_digest``).
    publisher: tuple[str, ...] = ()

    def content_hash(self) -> str:
        """SHA-256 of the mapped fields: a source change we do not map never counts as an update."""
        fields = asdict(self)
        del fields["publisher"]
        text = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class MappingError(ValueError):
    """A record that cannot become a dataset; the message is the reason shown in the report."""


@dataclass(frozen=True)
class FailedRecord:
    """A source record that could not be mapped, with a readable reason."""

    identifier: str
    reason: str


def text_of(value: Any, limit: int) -> str:
    """A plain string (numbers too) cut to ``limit`` characters; anything else is empty."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value).strip()[:limit]
    return ""


Mapped = HarvestedDataset | FailedRecord


def mapped_or_failed(identifier: str, build: Callable[[], HarvestedDataset]) -> Mapped:
    """The mapped record, or a failed one carrying the MappingError's reason."""
    try:
        return build()
    except MappingError as exc:
        return FailedRecord(identifier, str(exc))
