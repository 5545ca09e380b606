"""Harvested records → our catalogue fields, resolving vocabularies (domains, frequencies, …)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kaifang.catalog.models import GRADES, OPEN_ATTRIBUTES
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.interop.harvest.records import HarvestedDataset

MAX_DOMAINS = 10
MAX_KEYWORDS = 30
DEFAULT_LICENCE = "open-agreement"


@dataclass
class MappedFields:
    """Dataset fields ready to write, and notes on what could not be mapped."""

    fields: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def lookup(vocab: VocabularyIndex, kind: str, value: str) -> str | None:
    """The code of a vocabulary term given by code or label, or None."""
    term = vocab.by_kind.get(kind, {}).get(value.strip().lower()) if value.strip() else None
    return term.code if term is not None else None


def map_domains(
    vocab: VocabularyIndex, themes: tuple[tuple[str, ...], ...], domain_map: dict[str, str]
) -> tuple[list[str], list[str]]:
    """Domain codes for the record's groups/themes (through the source's map first), and notes."""
    codes: list[str] = []
    notes: list[str] = []
    for candidates in themes:
        code = next(
            (c for c in (lookup(vocab, "domain", domain_map.get(n, n)) for n in candidates) if c),
            None,
        )
        if code is None:
            notes.append(f"未匹配的领域 (unmapped theme): {candidates[0]}")
        elif code not in codes:
            codes.append(code)
    return codes[:MAX_DOMAINS], notes


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _period(record: HarvestedDataset) -> tuple[dt.date | None, dt.date | None]:
    start, end = _date(record.temporal_start), _date(record.temporal_end)
    if start and end and start > end:
        return None, None
    return start, end


def _keywords(record: HarvestedDataset) -> list[str]:
    cleaned = (k.strip()[:50] for k in record.keywords)
    return list(dict.fromkeys(k for k in cleaned if k))[:MAX_KEYWORDS]


def _formats(vocab: VocabularyIndex, record: HarvestedDataset) -> list[str]:
    found = (lookup(vocab, "format", r.format) for r in record.resources if r.format)
    return sorted({f for f in found if f})


def _coded(vocab: VocabularyIndex, kind: str, value: str, default: str, notes: list[str]) -> str:
    code = lookup(vocab, kind, value)
    if code is None and value:
        notes.append(f"未匹配的{kind}值 (unmapped {kind}): {value}")
    return code or default


def map_fields(
    vocab: VocabularyIndex,
    record: HarvestedDataset,
    *,
    source_name: str,
    domain_map: dict[str, str],
) -> MappedFields:
    """Every catalogue field a harvested dataset gets (vocabulary codes resolved, defaults filled)."""
    domains, notes = map_domains(vocab, record.themes, domain_map)
    start, end = _period(record)
    fields: dict[str, Any] = {
        "title": record.title,
        "summary": record.summary,
        "domains": domains,
        "keywords": _keywords(record),
        "open_attribute": record.open_attribute
        if record.open_attribute in OPEN_ATTRIBUTES
        else "unconditional",
        "grade": record.grade if record.grade in GRADES else "L1",
        "update_frequency": _coded(
            vocab, "update_frequency", record.update_frequency, "irregular", notes
        ),
        "licence": _coded(vocab, "licence", record.licence, DEFAULT_LICENCE, notes),
        "base_class": lookup(vocab, "base_class", record.base_class),
        "formats": _formats(vocab, record),
        "temporal_start": start,
        "temporal_end": end,
        "spatial_coverage": record.spatial_coverage,
        "contact_name": record.contact_name,
        "contact_email": record.contact_email,
        "source_system": f"harvest:{source_name}"[:200],
    }
    return MappedFields(fields, notes)
