"""schema.org Dataset descriptions (JSON-LD) of published datasets, escaped for a <script> block."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from kaifang.catalog.models import Dataset
from kaifang.web.pages.presenters import Download, Labels


def script_json(document: Any) -> Markup:
    """JSON safe inside a <script> data block: <, >, & and line separators are escaped."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return Markup(text)  # noqa: S704 - every character that could end the block is escaped above


def dataset_json_ld(
    dataset: Dataset, *, origin: str, labels: Labels, files: Sequence[Download]
) -> Markup:
    """A schema.org Dataset description of a published dataset for search engines."""
    org = dataset.organization
    publisher = {
        "@type": "GovernmentOrganization",
        "name": org.name,
        "url": f"{origin}/organizations/{org.slug}",
    }
    doc: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": dataset.title,
        "description": dataset.summary or dataset.title,
        "identifier": dataset.catalog_code,
        "url": f"{origin}/datasets/{dataset.id}",
        "keywords": [*dataset.keywords, *(labels.domain(d) for d in dataset.domains)],
        "creator": publisher,
        "publisher": publisher,
        "license": labels.term("licence", dataset.licence) or None,
        "isAccessibleForFree": True,
        "inLanguage": "zh-CN",
        "datePublished": _iso(dataset.first_published_at),
        "dateModified": _iso(dataset.last_updated_at or dataset.modified_at),
        "variableMeasured": [i.label for i in dataset.items if i.open_attribute != "closed"],
        "distribution": [_distribution(origin, f) for f in files],
        **_coverage(dataset),
    }
    return script_json({k: v for k, v in doc.items() if v not in (None, [], "")})


def _distribution(origin: str, file: Download) -> dict[str, str]:
    return {
        "@type": "DataDownload",
        "encodingFormat": file.mime,
        "contentUrl": origin + file.href,
        "name": file.label,
    }


def _coverage(dataset: Dataset) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if dataset.temporal_start:
        end = dataset.temporal_end.isoformat() if dataset.temporal_end else ".."
        out["temporalCoverage"] = f"{dataset.temporal_start.isoformat()}/{end}"
    if dataset.spatial_coverage:
        out["spatialCoverage"] = {"@type": "Place", "name": dataset.spatial_coverage}
    return out


def _iso(value: dt.datetime | None) -> str | None:
    return value.date().isoformat() if value else None
