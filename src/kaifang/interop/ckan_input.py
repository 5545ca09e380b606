"""CKAN package dicts in: mapping ``package_create``/``update``/``patch`` input to our schemas.

Validation failures become :class:`CKANValidationError`, whose ``fields`` map CKAN field names
to lists of messages (CKAN's ``Validation Error`` shape).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.catalog.rules import CatalogCodeTemplate
from kaifang.catalog.schemas import DatasetIn, DatasetPatch
from kaifang.errors import InvalidInput, NotFound

# our field -> CKAN field (for error messages and the reverse mapping of input)
CKAN_NAMES = {
    "title": "title",
    "summary": "notes",
    "keywords": "tags",
    "domains": "groups",
    "licence": "license_id",
    "contact_name": "maintainer",
    "contact_email": "maintainer_email",
    "organization_id": "owner_org",
    "catalog_code": "name",
    "更新频率": "update_frequency",
    "开放领域": "groups",
    "开放协议": "license_id",
    "数据格式": "formats",
    "基础信息资源分类": "base_class",
}
PASSTHROUGH = (
    "open_attribute",
    "update_frequency",
    "region_code",
    "base_class",
    "spatial_coverage",
    "temporal_start",
    "temporal_end",
    "formats",
    "domains",
    "catalog_code",
    "contact_phone",
    "source_system",
)
PATCH_FIELDS = frozenset(DatasetPatch.model_fields) - {"items"}


class CKANValidationError(InvalidInput):
    """Invalid CKAN input; ``fields`` maps CKAN field names to messages."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("Validation Error", details=fields)
        self.fields = fields


def ckan_field(name: str) -> str:
    return CKAN_NAMES.get(name, name)


def _names(value: Any, field: str) -> list[str]:
    """``[{name}]`` dicts, plain strings, or a comma-separated string."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip().startswith("[") else value.split(",")
        except ValueError:
            raise CKANValidationError({field: ["Not a list"]}) from None
    if not isinstance(value, list):
        raise CKANValidationError({field: ["Not a list"]})
    out = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str):
            raise CKANValidationError({field: ["Each entry needs a name"]})
        out.append(name.strip())
    return [n for n in out if n]


def _extras(data: dict[str, Any]) -> dict[str, Any]:
    extras = data.get("extras") or []
    if not isinstance(extras, list):
        raise CKANValidationError({"extras": ["Not a list of {key, value}"]})
    out: dict[str, Any] = {}
    for item in extras:
        if not isinstance(item, dict) or "key" not in item:
            raise CKANValidationError({"extras": ["Each extra needs a key"]})
        out[str(item["key"])] = item.get("value")
    return out


def _decoded_list(value: Any) -> Any:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def catalogue_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Our field names and values for the CKAN keys present in ``data`` (top level wins over extras)."""
    merged = {**_extras(data), **data}
    out: dict[str, Any] = {}
    simple = {"title": "title", "notes": "summary", "license_id": "licence"}
    simple |= {"maintainer": "contact_name", "maintainer_email": "contact_email"}
    for ckan, ours in simple.items():
        if ckan in merged:
            out[ours] = merged[ckan] if merged[ckan] is not None else ""
    if "tags" in merged or "tag_string" in merged:
        out["keywords"] = _names(merged.get("tags", merged.get("tag_string")), "tags")
    if "groups" in merged:
        out["domains"] = _names(merged["groups"], "groups")
    for name in PASSTHROUGH:
        if name in merged and not (name == "domains" and "domains" in out):
            out[name] = _decoded_list(merged[name])
    return out


def _organization_id(session: Session, value: Any, actor_org: int | None) -> int | None:
    if value in (None, ""):
        return actor_org
    try:
        return auth_service.find_organization(session, str(value)).id
    except NotFound:
        raise CKANValidationError({"owner_org": ["Organization does not exist"]}) from None


def _pydantic_fields(exc: ValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        name = ckan_field(loc[0]) if loc else "__all__"
        fields.setdefault(name, []).append(err["msg"])
    return fields


def dataset_in(
    session: Session, data: dict[str, Any], *, actor_org: int | None, code_template: str
) -> DatasetIn:
    """A DatasetIn for ``package_create``; ``name`` must be a catalogue code when given."""
    fields = catalogue_fields(data)
    name = data.get("name")
    if name and not fields.get("catalog_code"):
        name = str(name).upper()  # CKAN names are lower case; our codes are not
        if not CatalogCodeTemplate(code_template).is_valid(name):
            raise CKANValidationError(
                {
                    "name": [
                        f"Must be a catalogue code ({code_template}); omit it to have one issued"
                    ]
                }
            )
        fields["catalog_code"] = name
    fields["organization_id"] = _organization_id(session, data.get("owner_org"), actor_org)
    try:
        return DatasetIn.model_validate(fields)
    except ValidationError as exc:
        raise CKANValidationError(_pydantic_fields(exc)) from None


def replacement_patch(
    session: Session, data: dict[str, Any], *, code_template: str
) -> DatasetPatch:
    """``package_update``: every editable field is replaced (omitted ones reset to defaults)."""
    full = dataset_in(
        session, {**data, "name": None, "owner_org": None}, actor_org=0, code_template=code_template
    )
    values = full.model_dump(include=set(PATCH_FIELDS))
    try:
        return DatasetPatch.model_validate(values)
    except ValidationError as exc:
        raise CKANValidationError(_pydantic_fields(exc)) from None


def partial_patch(data: dict[str, Any]) -> DatasetPatch:
    """``package_patch``: only the keys given change; keys we cannot edit are ignored."""
    fields = {k: v for k, v in catalogue_fields(data).items() if k in PATCH_FIELDS}
    try:
        return DatasetPatch.model_validate(fields)
    except ValidationError as exc:
        raise CKANValidationError(_pydantic_fields(exc)) from None


def validation_fields(exc: InvalidInput) -> dict[str, list[str]]:
    """CKAN per-field messages for any InvalidInput (service errors name one field in details)."""
    if isinstance(exc, CKANValidationError):
        return exc.fields
    details = exc.details if isinstance(exc.details, dict) else {}
    name = details.get("field")
    if isinstance(name, str):
        return {ckan_field(name): [exc.message]}
    missing = details.get("missing")
    if isinstance(missing, list):
        return {ckan_field(str(m)): ["Missing value"] for m in missing}
    return {"__all__": [exc.message]}
