"""How catalogue records are shown: labels, timeliness, completeness, downloads and JSON-LD."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from kaifang.catalog.models import DataItem, Dataset
from kaifang.catalog.vocabularies import VocabularyIndex, terms
from kaifang.web import i18n

Gettext = Callable[..., str]

OPEN_ATTRIBUTE_MSGIDS = {
    "unconditional": "Unconditionally open",
    "conditional": "Conditionally open",
    "closed": "Not open",
}
GRADE_MSGIDS = {
    "L1": "L1 not sensitive",
    "L2": "L2 low sensitivity",
    "L3": "L3 fairly sensitive",
    "L4": "L4 sensitive",
}
STATUS_MSGIDS = {
    "draft": "Draft",
    "submitted": "Submitted",
    "approved": "Approved",
    "published": "Published",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
}
EVENT_MSGIDS = {
    "create": "Registered as a draft",
    "update": "Edited",
    "submit": "Submitted for review",
    "approve": "Approved",
    "reject": "Returned for changes",
    "publish": "Published",
    "withdraw": "Withdrawn",
    "comment": "Comment",
    "submit_revision": "Revision submitted",
    "approve_revision": "Revision approved and published",
    "reject_revision": "Revision returned",
}
FIELD_MSGIDS = {
    "title": "Title",
    "summary": "Summary",
    "base_class": "Base catalogue class",
    "domains": "Domains",
    "keywords": "Keywords",
    "open_attribute": "Open attribute",
    "update_frequency": "Update frequency",
    "formats": "Formats",
    "temporal_start": "Coverage from",
    "temporal_end": "Coverage to",
    "spatial_coverage": "Spatial coverage",
    "licence": "Licence or agreement",
    "contact_name": "Contact person",
    "contact_phone": "Contact phone",
    "contact_email": "Contact e-mail",
    "source_system": "Source system",
    "items": "Data items",
}
VOCAB_KIND = {
    "update_frequency": "update_frequency",
    "base_class": "base_class",
    "licence": "licence",
}
LAT_NAMES = frozenset({"lat", "latitude", "纬度", "wd"})
LNG_NAMES = frozenset({"lng", "lon", "long", "longitude", "经度", "jd"})
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "ndjson": "application/x-ndjson",
    "xml": "application/xml",
    "parquet": "application/vnd.apache.parquet",
    "geojson": "application/geo+json",
}


def page_locale(request: Request) -> str:
    """The locale the page will be rendered in (same negotiation as ``render``)."""
    return i18n.negotiate(request, request.app.state.runtime.settings.default_locale)


def base_url(request: Request) -> str:
    """The public origin for absolute links: the configured base URL, else the request's."""
    configured: str = request.app.state.runtime.settings.base_url
    return (configured or str(request.base_url)).rstrip("/")


class Labels:
    """Translated labels of vocabulary codes and fixed code lists for one page render."""

    def __init__(self, session: Session, locale: str) -> None:
        self.locale = locale
        self.gettext: Gettext = i18n.gettext_for(locale)
        self.vocab = VocabularyIndex(session)
        self.max_days = {
            t.code: int((t.extra or {}).get("max_days", 0) or 0)
            for t in terms(session, "update_frequency", active_only=False)
        }

    def term(self, kind: str, code: str | None) -> str:
        """The label of a vocabulary code in the page's language."""
        return self.vocab.label(kind, code, self.locale) if code else ""

    def domain(self, code: str) -> str:
        """The label of a domain code."""
        return self.term("domain", code)

    def open_attribute(self, code: str) -> str:
        """The translated name of an open attribute."""
        return self.gettext(OPEN_ATTRIBUTE_MSGIDS.get(code, code))

    def grade(self, code: str) -> str:
        """The translated name of a sensitivity grade."""
        return self.gettext(GRADE_MSGIDS.get(code, code))

    def status(self, code: str) -> str:
        """The translated name of a workflow status."""
        return self.gettext(STATUS_MSGIDS.get(code, code))

    def event(self, action: str) -> str:
        """The translated name of a workflow step."""
        return self.gettext(EVENT_MSGIDS.get(action, action))

    def field(self, name: str) -> str:
        """The translated name of a dataset field."""
        return self.gettext(FIELD_MSGIDS.get(name, name))

    def value(self, field: str, value: Any) -> str:
        """A field's value as a reader sees it (labels for codes, lists joined)."""
        if value is None or value == "" or value == []:
            return "—"
        if field in VOCAB_KIND:
            return self.term(VOCAB_KIND[field], str(value))
        if field == "domains":
            return "、".join(self.domain(str(v)) for v in value)
        if field == "open_attribute":
            return self.open_attribute(str(value))
        if field == "items" and isinstance(value, list):
            return "; ".join(item_summary(v) for v in value)
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return value.isoformat() if isinstance(value, dt.date) else str(value)


def item_summary(item: Any) -> str:
    """One data item as ``label (name, attribute, grade)`` whether a dict, model or text."""
    if isinstance(item, str):
        return item
    get = item.get if isinstance(item, Mapping) else lambda k, d=None: getattr(item, k, d)
    return (
        f"{get('label', '')} ({get('name', '')}, {get('open_attribute', '')}, {get('grade', '')})"
    )


# --- timeliness -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeliness:
    """Whether a dataset was updated within its frequency's period (``state`` is a code)."""

    state: str
    due: dt.date | None = None
    days_late: int = 0


def timeliness(*, last_updated: dt.datetime | None, max_days: int, now: dt.datetime) -> Timeliness:
    """on_time / overdue against ``max_days``; no_deadline when the frequency sets none."""
    if max_days <= 0:
        return Timeliness("no_deadline")
    if last_updated is None:
        return Timeliness("not_published")
    due = last_updated + dt.timedelta(days=max_days)
    if now <= due:
        return Timeliness("on_time", due.date())
    return Timeliness("overdue", due.date(), (now - due).days)


# --- completeness -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One completeness rule; its attributes are also rendered for the live JavaScript hint."""

    key: str
    msgid: str
    field: str
    measure: str = "length"
    minimum: int = 1
    any_of: tuple[str, ...] = ()


CHECKS = (
    Check("title", "A clear title (4+ characters)", "title", minimum=4),
    Check("summary", "A summary of at least 30 characters", "summary", minimum=30),
    Check("domains", "At least one domain", "domains", "count"),
    Check("keywords", "Two or more keywords", "keywords", "tokens", 2),
    Check("update_frequency", "An update frequency", "update_frequency"),
    Check("base_class", "A base catalogue class", "base_class"),
    Check("licence", "A licence or agreement", "licence"),
    Check("temporal", "Temporal coverage (start date)", "temporal_start"),
    Check("spatial", "Spatial coverage", "spatial_coverage"),
    Check(
        "contact",
        "A contact person with phone or e-mail",
        "contact_name",
        any_of=("contact_phone", "contact_email"),
    ),
    Check("source_system", "The source system", "source_system"),
    Check("items", "At least one data item", "item_label", "count"),
)


@dataclass(frozen=True)
class Completeness:
    """A completeness score and the keys of the checks that passed."""

    score: int
    passed: frozenset[str]


def _measure(check: Check, value: Any) -> int:
    if value is None:
        return 0
    if check.measure == "tokens" and isinstance(value, str):
        return len(split_keywords(value))
    if isinstance(value, list | tuple):
        return len([v for v in value if str(v).strip()])
    return len(str(value).strip())


def completeness(values: Mapping[str, Any]) -> Completeness:
    """Score 0-100 of how well the metadata is filled in (the same rules the hint shows)."""
    passed = set()
    for check in CHECKS:
        ok = _measure(check, values.get(check.field)) >= check.minimum
        if ok and check.any_of:
            ok = any(_measure(check, values.get(f)) > 0 for f in check.any_of)
        if ok:
            passed.add(check.key)
    return Completeness(round(100 * len(passed) / len(CHECKS)), frozenset(passed))


def dataset_values(dataset: Dataset) -> dict[str, Any]:
    """A dataset's editable values keyed like the workbench form fields."""
    values = {name: getattr(dataset, name) for name in FIELD_MSGIDS if name != "items"}
    values["item_label"] = [i.label for i in dataset.items]
    return values


def split_keywords(text: str) -> list[str]:
    """Keywords typed with commas, 、, semicolons or spaces between them."""
    for sep in ("，", "、", ";", "；", "\n", " "):
        text = text.replace(sep, ",")
    return list(dict.fromkeys(k.strip() for k in text.split(",") if k.strip()))


# --- data access --------------------------------------------------------------------------------


def geo_columns(items: Iterable[DataItem]) -> dict[str, str] | None:
    """Coordinate or geometry columns among the openly visible items, if any."""
    open_items = [i for i in items if i.open_attribute == "unconditional"]
    for item in open_items:
        if item.data_type == "geometry":
            return {"geometry": item.name}
    lat = next((i.name for i in open_items if i.name.lower() in LAT_NAMES), None)
    lng = next((i.name for i in open_items if i.name.lower() in LNG_NAMES), None)
    return {"lat": lat, "lng": lng} if lat and lng else None


# Columns that identify or describe single rows make useless chart groups.
UNIQUE_HINTS = ("编号", "名称", "代码", "号码", "地址", "电话", "id", "code", "name", "no", "phone")


def chart_column(items: Sequence[DataItem]) -> str | None:
    """A sensible default group-by column: the first categorical item, else the first item."""
    for item in items:
        label, name = item.label, item.name.lower()
        unique = any(h in label or name == h or name.endswith("_" + h) for h in UNIQUE_HINTS)
        if item.data_type in ("text", "boolean") and not unique:
            return item.name
    return items[0].name if items else None


@dataclass(frozen=True)
class Download:
    """One export link: its format, label, address and media type."""

    fmt: str
    label: str
    href: str
    mime: str


def downloads(dataset_id: int, *, geo: bool) -> list[Download]:
    """Every export format of a dataset, CSV in three encodings for Excel and older systems."""
    base = f"/api/v1/datasets/{dataset_id}/export"
    out = [
        Download("csv", "CSV (UTF-8)", f"{base}.csv?encoding=utf-8", MIME["csv"]),
        Download(
            "csv", "CSV (UTF-8 with BOM, for Excel)", f"{base}.csv?encoding=utf-8-sig", MIME["csv"]
        ),
        Download("csv", "CSV (GB18030)", f"{base}.csv?encoding=gb18030", MIME["csv"]),
    ]
    for fmt, label in (
        ("xlsx", "Excel (XLSX)"),
        ("json", "JSON"),
        ("ndjson", "NDJSON"),
        ("xml", "XML"),
        ("parquet", "Parquet"),
    ):
        out.append(Download(fmt, label, f"{base}.{fmt}", MIME[fmt]))
    if geo:
        out.append(Download("geojson", "GeoJSON", f"{base}.geojson", MIME["geojson"]))
    return out


def has_loaded_data(dataset: Dataset) -> bool:
    """True once any resource of the dataset has a current (loaded) version."""
    return any(r.current_version_id is not None for r in dataset.resources)
