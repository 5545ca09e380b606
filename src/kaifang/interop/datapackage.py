"""Frictionless Data Package and schema.org Dataset descriptions of one published dataset.

Both list only what the public may download: closed datasets get no resources or downloads,
and the Table Schema leaves out columns the public never sees (non-public data items and
columns flagged by the privacy scan).
"""

from __future__ import annotations

import re
from typing import Any

from kaifang.catalog.models import Dataset, Resource, ResourceVersion
from kaifang.catalog.quality import STANDARD_LICENCES
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.interop.dcat import EXPORT_FORMATS, DcatLinks, has_served_data

TABLE_TYPES = {
    "integer": "integer",
    "decimal": "number",
    "float": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "text": "string",
}
_NAME_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def package_name(dataset: Dataset) -> str:
    """A Data Package ``name``: the catalogue code lower-cased to ``[a-z0-9._-]``."""
    return _NAME_UNSAFE.sub("-", dataset.catalog_code.lower()).strip("-") or f"dataset-{dataset.id}"


def current_file(dataset: Dataset) -> tuple[Resource, ResourceVersion] | None:
    """The first loaded file resource and its current version (what export.csv serves)."""
    for resource in dataset.resources:
        if resource.kind != "file" or resource.current_version_id is None:
            continue
        version = next((v for v in resource.versions if v.id == resource.current_version_id), None)
        if version is not None:
            return resource, version
    return None


def public_columns(dataset: Dataset, version: ResourceVersion) -> list[dict[str, Any]]:
    """Columns of the version's schema that the public export contains."""
    items = {i.name: i.open_attribute for i in dataset.items}
    flagged = {str(f.get("column")) for f in version.privacy or [] if isinstance(f, dict)}
    out = []
    for column in version.schema or []:
        name = str(column.get("name", ""))
        attribute = items.get(name)
        if attribute == "unconditional" or (attribute is None and name not in flagged):
            out.append(column)
    return out


def table_field(column: dict[str, Any]) -> dict[str, Any]:
    """One Table Schema field from one column of our schema."""
    field: dict[str, Any] = {
        "name": column["name"],
        "type": TABLE_TYPES.get(str(column.get("type")), "string"),
    }
    original = column.get("original_name")
    if original and original != column["name"]:
        field["title"] = original
    if column.get("nullable") is False:
        field["constraints"] = {"required": True}
    return field


def licence_dict(dataset: Dataset, vocab: VocabularyIndex, links: DcatLinks) -> dict[str, str]:
    """The licence as a Data Package licence object."""
    return {
        "name": dataset.licence,
        "path": links.licence(dataset.licence).value,
        "title": vocab.label("licence", dataset.licence) or dataset.licence,
    }


def datapackage(dataset: Dataset, vocab: VocabularyIndex, links: DcatLinks) -> dict[str, Any]:
    """A Frictionless Data Package whose one resource is our CSV export."""
    out: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": package_name(dataset),
        "id": links.dataset(dataset).value,
        "title": dataset.title,
        "description": dataset.summary,
        "keywords": list(dataset.keywords or []),
        "homepage": links.dataset(dataset).value,
        "created": dataset.created_at.isoformat(),
        "resources": [],
    }
    if dataset.licence:
        out["licenses"] = [licence_dict(dataset, vocab, links)]
    found = current_file(dataset)
    if found is not None and has_served_data(dataset):
        out["resources"].append(csv_resource(dataset, found[0], found[1], links))
    return out


def csv_resource(
    dataset: Dataset, resource: Resource, version: ResourceVersion, links: DcatLinks
) -> dict[str, Any]:
    """The tabular resource pointing at the UTF-8 CSV export."""
    fields = [table_field(c) for c in public_columns(dataset, version)]
    return {
        "name": package_name(dataset),
        "title": resource.name,
        "path": links.export_url(dataset, "csv").value,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": fields},
    }


def schema_org(dataset: Dataset, vocab: VocabularyIndex, links: DcatLinks) -> dict[str, Any]:
    """A schema.org ``Dataset`` for Google Dataset Search (embedded as JSON-LD)."""
    out: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": links.dataset(dataset).value,
        "name": dataset.title,
        "description": dataset.summary or dataset.title,
        "url": links.dataset(dataset).value,
        "identifier": dataset.catalog_code,
        "inLanguage": "zh-CN",
        "keywords": list(dataset.keywords or []),
        "creator": {"@type": "Organization", "name": dataset.organization.name},
        "includedInDataCatalog": {"@type": "DataCatalog", "url": links.catalog().value},
        "dateModified": dataset.modified_at.isoformat(),
    }
    out.update(schema_org_extras(dataset, vocab))
    if has_served_data(dataset):
        out["distribution"] = [
            {
                "@type": "DataDownload",
                "contentUrl": links.export_url(dataset, fmt.extension).value,
                "encodingFormat": fmt.media_type,
            }
            for fmt in EXPORT_FORMATS
        ]
    return out


def schema_org_extras(dataset: Dataset, vocab: VocabularyIndex) -> dict[str, Any]:
    """Optional schema.org properties: licence, coverage, publication date, variables."""
    out: dict[str, Any] = {}
    if dataset.licence:
        out["license"] = STANDARD_LICENCES.get(dataset.licence) or vocab.label(
            "licence", dataset.licence
        )
    if dataset.spatial_coverage:
        out["spatialCoverage"] = dataset.spatial_coverage
    if dataset.temporal_start or dataset.temporal_end:
        start = dataset.temporal_start.isoformat() if dataset.temporal_start else ".."
        end = dataset.temporal_end.isoformat() if dataset.temporal_end else ".."
        out["temporalCoverage"] = f"{start}/{end}"
    if dataset.first_published_at:
        out["datePublished"] = dataset.first_published_at.isoformat()
    found = current_file(dataset)
    if found is not None and has_served_data(dataset):
        out["variableMeasured"] = [c["name"] for c in public_columns(dataset, found[1])]
    return out
