"""Harvesting a CKAN Action API: ``package_search`` paging and package → catalogue mapping.

Paging follows the CKAN harvester: ``sort=id asc``, ``rows=100``, ``start`` until an empty
page or the count is reached; two identical consecutive pages mean the source ignores
``start`` and fail the run. A Kaifang source also sends its own catalogue fields top-level.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from kaifang.interop.harvest.fetching import Fetch, HarvestSourceError
from kaifang.interop.harvest.records import (
    FailedRecord,
    HarvestedDataset,
    HarvestedResource,
    Mapped,
    MappingError,
    mapped_or_failed,
    text_of,
)

ROWS = 100
MAX_PAGES = 10_000
Progress = Callable[[int, int], None]
OUR_FIELDS = (
    "catalog_code",
    "open_attribute",
    "grade",
    "update_frequency",
    "base_class",
    "temporal_start",
    "temporal_end",
    "spatial_coverage",
)


def search_url(base: str, start: int, filters: dict[str, Any]) -> str:
    """The ``package_search`` URL of one page."""
    params = [("sort", "id asc"), ("rows", str(ROWS)), ("start", str(start))]
    for key in ("q", "fq"):
        value = text_of(filters.get(key), 1000)
        if value:
            params.append((key, value))
    return f"{base.rstrip('/')}/api/3/action/package_search?{urlencode(params)}"


def parse_page(body: bytes) -> tuple[int, list[Any]]:
    """(count, results) of a ``package_search`` answer; HarvestSourceError when it is not one."""
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise HarvestSourceError(
            "来源返回的不是有效的 JSON (the source did not answer valid JSON)"
        ) from None
    result = envelope.get("result") if isinstance(envelope, dict) else None
    if not isinstance(envelope, dict) or envelope.get("success") is not True:
        raise HarvestSourceError("来源未返回成功结果 (the source did not answer success)")
    if not isinstance(result, dict) or not isinstance(result.get("results"), list):
        raise HarvestSourceError("来源的 package_search 结果缺少 results (no results list)")
    count = result.get("count")
    return (count if isinstance(count, int) else 0), result["results"]


def collect(fetch: Fetch, base: str, filters: dict[str, Any], progress: Progress) -> list[Mapped]:
    """Every package of the source, mapped (or failed with a reason)."""
    out: list[Mapped] = []
    start, previous = 0, b""
    for _page in range(MAX_PAGES):
        document = fetch(search_url(base, start, filters))
        count, results = parse_page(document.body)
        if not results:
            return out
        if document.body == previous:
            raise HarvestSourceError("来源分页无效：连续两页相同 (paging does not work)")
        previous = document.body
        for position, package in enumerate(results, start):
            out.append(_mapped(package, position, base))
        start += len(results)
        progress(start, count)
        if start >= count:
            return out
    raise HarvestSourceError(f"来源超过 {MAX_PAGES} 页 (more than {MAX_PAGES} pages)")


def _mapped(package: Any, position: int, base: str) -> Mapped:
    if not isinstance(package, dict):
        return FailedRecord(f"#{position}", "记录不是 JSON 对象 (the record is not a JSON object)")
    label = text_of(package.get("name"), 200) or text_of(package.get("id"), 200)
    return mapped_or_failed(label or f"#{position}", lambda: map_package(package, base))


def _extras(package: dict[str, Any]) -> dict[str, Any]:
    """CKAN list-form extras as a dict, overridden by top-level catalogue fields."""
    found: dict[str, Any] = {}
    for extra in package.get("extras") or []:
        if isinstance(extra, dict) and isinstance(extra.get("key"), str):
            found[extra["key"]] = extra.get("value")
    found.update({k: package[k] for k in (*OUR_FIELDS, "domains") if k in package})
    return found


def _names(values: Any, *keys: str) -> tuple[tuple[str, ...], ...]:
    """For each tag or group object, its candidate names (e.g. name and title)."""
    out = []
    for value in values if isinstance(values, list) else []:
        if isinstance(value, dict):
            names = tuple(n for n in (text_of(value.get(k), 100) for k in keys) if n)
        else:
            names = tuple(n for n in (text_of(value, 100),) if n)
        if names:
            out.append(names)
    return tuple(out)


def _domains(fields: dict[str, Any], package: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    domains = fields.get("domains")
    if isinstance(domains, str):
        try:
            domains = json.loads(domains)
        except ValueError:
            domains = [domains]
    if isinstance(domains, list) and domains:
        return _names(domains)
    return _names(package.get("groups"), "name", "title", "display_name")


def _resource(value: Any) -> HarvestedResource | None:
    if not isinstance(value, dict):
        return None
    url = text_of(value.get("url"), 2000)
    if not url.lower().startswith(("http://", "https://")):
        return None
    name = text_of(value.get("name"), 200) or url.rsplit("/", 1)[-1][:200] or "resource"
    return HarvestedResource(
        name=name,
        url=url,
        format=text_of(value.get("format"), 20).upper(),
        description=text_of(value.get("description"), 2000),
    )


def map_package(package: dict[str, Any], base: str) -> HarvestedDataset:
    """A CKAN package as a harvested dataset; MappingError with a reason when unusable."""
    guid = text_of(package.get("id"), 500)
    name = text_of(package.get("name"), 500)
    title = text_of(package.get("title"), 200) or name
    if not guid and not name:
        raise MappingError("记录缺少 id 和 name (the record has neither id nor name)")
    if len(title) < 2:
        raise MappingError("记录缺少标题 (the record has no usable title)")
    fields = _extras(package)
    resources = tuple(r for r in map(_resource, package.get("resources") or []) if r)
    return HarvestedDataset(
        guid=guid or name,
        stable_key=text_of(fields.get("catalog_code"), 500) or name,
        title=title,
        summary=text_of(package.get("notes"), 5000),
        keywords=tuple(n[0] for n in _names(package.get("tags"), "name", "display_name")),
        themes=_domains(fields, package),
        update_frequency=text_of(fields.get("update_frequency") or fields.get("frequency"), 20),
        open_attribute=text_of(fields.get("open_attribute"), 20),
        grade=text_of(fields.get("grade"), 2),
        licence=text_of(package.get("license_id"), 60),
        base_class=text_of(fields.get("base_class"), 60),
        temporal_start=text_of(fields.get("temporal_start"), 10),
        temporal_end=text_of(fields.get("temporal_end"), 10),
        spatial_coverage=text_of(fields.get("spatial_coverage"), 200),
        contact_name=text_of(package.get("maintainer") or package.get("author"), 100),
        contact_email=text_of(package.get("maintainer_email") or package.get("author_email"), 200),
        source_url=text_of(package.get("url"), 2000) or f"{base.rstrip('/')}/dataset/{name}",
        resources=resources,
        publisher=_publisher(package.get("organization")),
    )


def _publisher(organization: Any) -> tuple[str, ...]:
    """The package's organization as names to match: its title, then its short name."""
    if not isinstance(organization, dict):
        return ()
    names = (text_of(organization.get(k), 200) for k in ("title", "name"))
    return tuple(dict.fromkeys(n for n in names if n))
