"""Metadata quality per dataset, scored like the EU Metadata Quality Assessment (MQA).

The five MQA dimensions and their points (405 in all) are kept; each indicator is checked on
the catalogue fields our DCAT-AP export is built from, so the score predicts what an EU
harvester would measure. Where the export fills a gap with a generated value (a description
that repeats the title, a contact point named after the organization) the indicator counts
as missing, because the generated value is not real metadata. Labels and hints are English
message ids; pages and the API translate them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only, noload, selectinload

from kaifang.auth.actor import Actor
from kaifang.auth.service import authorize
from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.service import get_dataset, target_of
from kaifang.codes import region_contains

DIMENSIONS = ("findability", "accessibility", "interoperability", "reusability", "contextuality")
DIMENSION_LABELS = {d: d.capitalize() for d in DIMENSIONS}
# MQA's published bands: the lowest score of each rating.
RATINGS = ((351, "excellent"), (221, "good"), (121, "sufficient"), (0, "bad"))
RATING_LABELS = {
    "excellent": "Excellent quality",
    "good": "Good quality",
    "sufficient": "Sufficient quality",
    "bad": "Poor quality",
}
# Licences with a canonical document IRI (what MQA counts as a known licence).
STANDARD_LICENCES = {"cc-by-4.0": "http://creativecommons.org/licenses/by/4.0/"}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the indicators look at, read once from a dataset (each indicator names one)."""

    keywords: bool
    themes: bool
    spatial: bool
    temporal: bool
    served: bool
    reachable: bool
    described: bool
    licence: bool
    standard_licence: bool
    access_rights: bool
    contact: bool
    publisher: bool
    sized: bool
    issued: bool
    modified: bool


# The columns facts_of reads (so averages load nothing else).
_FACT_COLUMNS = (
    Dataset.id,
    Dataset.keywords,
    Dataset.domains,
    Dataset.region_code,
    Dataset.temporal_start,
    Dataset.temporal_end,
    Dataset.open_attribute,
    Dataset.status,
    Dataset.title,
    Dataset.summary,
    Dataset.licence,
    Dataset.contact_email,
    Dataset.contact_phone,
    Dataset.organization_id,
    Dataset.size_bytes,
    Dataset.first_published_at,
    Dataset.modified_at,
)


def facts_of(dataset: Dataset) -> Facts:
    """Read the facts; ``served`` means the export offers distributions (data, not closed)."""
    served = dataset.open_attribute != "closed" and any(
        r.kind == "file" and r.current_version_id for r in dataset.resources
    )
    return Facts(
        keywords=bool(dataset.keywords),
        themes=bool(dataset.domains),
        spatial=bool(dataset.region_code),
        temporal=bool(dataset.temporal_start or dataset.temporal_end),
        served=served,
        # an anonymous harvester gets 2xx only from published, unconditionally open data
        reachable=served
        and dataset.status == "published"
        and dataset.open_attribute == "unconditional",
        described=bool(dataset.title and (dataset.summary or "").strip()),
        licence=bool(dataset.licence),
        standard_licence=dataset.licence in STANDARD_LICENCES,
        access_rights=bool(dataset.open_attribute),
        contact=bool(dataset.contact_email or dataset.contact_phone),
        publisher=dataset.organization_id is not None,
        sized=served and (dataset.size_bytes or 0) > 0,
        issued=dataset.first_published_at is not None,
        modified=dataset.modified_at is not None,
    )


@dataclass(frozen=True)
class Indicator:
    """One MQA indicator: its dimension, points, the fact it checks, English label and hint."""

    key: str
    dimension: str
    points: int
    fact: str
    label: str
    hint: str


def _ind(key: str, dimension: str, points: int, fact: str, label: str, hint: str) -> Indicator:
    return Indicator(key, dimension, points, fact, label, hint)


INDICATORS: tuple[Indicator, ...] = (
    # Findability (100)
    _ind("keywords", "findability", 30, "keywords", "Keywords",
         "Add keywords people would search for."),
    _ind("themes", "findability", 30, "themes", "Domains (themes)",
         "Tick at least one domain."),
    _ind("spatial", "findability", 20, "spatial", "Spatial coverage",
         "Choose the region the data applies to."),
    _ind("temporal", "findability", 20, "temporal",
         "Temporal coverage", "Fill in the period the data covers (coverage from / to)."),
    # Accessibility (100)
    _ind("access_url", "accessibility", 50, "reachable", "Access URL answers",
         "Load a data file and publish the dataset as unconditionally open; harvesters "
         "cannot reach conditionally open or closed data."),
    _ind("download_url", "accessibility", 20, "served", "Download URL given",
         "Upload a data file so that downloads are offered."),
    _ind("download_url_ok", "accessibility", 30, "reachable", "Download URL answers",
         "Publish the dataset with loaded data; only unconditionally open data can be "
         "downloaded without an application."),
    # Interoperability (110): the best distribution is our CSV export.
    _ind("format", "interoperability", 20, "served", "File format",
         "Upload a data file: every download format is then described."),
    _ind("media_type", "interoperability", 10, "served", "Media type",
         "Upload a data file: every download carries its media type."),
    _ind("format_vocabulary", "interoperability", 10, "served", "Format from the EU vocabulary",
         "Upload a data file: download formats use the EU file-type vocabulary."),
    _ind("non_proprietary", "interoperability", 20, "served", "Non-proprietary format",
         "Upload a data file: it is offered as CSV, JSON and XML."),
    _ind("machine_readable", "interoperability", 20, "served", "Machine-readable format",
         "Upload a table (CSV, Excel, JSON …) rather than a document."),
    _ind("dcat_ap", "interoperability", 30, "described",
         "DCAT-AP compliance", "Write a summary: without one the record repeats the title."),
    # Reusability (75)
    _ind("licence", "reusability", 20, "licence", "Licence",
         "Choose a licence or agreement."),
    _ind("licence_vocabulary", "reusability", 10, "standard_licence",
         "Known licence", "Use a standard licence such as CC BY 4.0 where policy allows."),
    _ind("access_rights", "reusability", 10, "access_rights", "Access rights",
         "Set the open attribute."),
    _ind("access_rights_vocabulary", "reusability", 5, "access_rights",
         "Access rights from the vocabulary", "Set the open attribute."),
    _ind("contact_point", "reusability", 20, "contact",
         "Contact point", "Give a contact e-mail or phone number."),
    _ind("publisher", "reusability", 10, "publisher", "Publisher",
         "Assign the provider organization."),
    # Contextuality (20)
    _ind("rights", "contextuality", 5, "served", "Rights statement",
         "Upload a data file: each download states its access rights."),
    _ind("byte_size", "contextuality", 5, "sized", "File size",
         "Upload a data file so that its size is known."),
    _ind("issued", "contextuality", 5, "issued",
         "Issue date", "The issue date is set when the dataset is first published."),
    _ind("modified", "contextuality", 5, "modified",
         "Modification date", "Save the dataset once."),
)  # fmt: skip
MAX_SCORE = sum(i.points for i in INDICATORS)
_CHECKS_BY_DIMENSION = {
    name: [(i.fact, i.points) for i in INDICATORS if i.dimension == name] for name in DIMENSIONS
}
DIMENSION_MAX = {name: sum(p for _f, p in checks) for name, checks in _CHECKS_BY_DIMENSION.items()}


def rating_for(score: int) -> str:
    """MQA's rating for a score: excellent, good, sufficient or bad."""
    return next(name for lowest, name in RATINGS if score >= lowest)


@dataclass(frozen=True)
class IndicatorResult:
    key: str
    dimension: str
    points: int
    passed: bool
    label: str
    hint: str


@dataclass(frozen=True)
class QualityReport:
    """A dataset's score, maximum, rating, points per dimension and every indicator."""

    dataset_id: int
    score: int
    max_score: int
    rating: str
    dimensions: dict[str, tuple[int, int]]
    indicators: list[IndicatorResult]

    @property
    def failed(self) -> list[IndicatorResult]:
        return [i for i in self.indicators if not i.passed]


def dimension_points(facts: Facts) -> dict[str, int]:
    """Points won per dimension (the fast path for averages: no per-indicator objects)."""
    return {
        name: sum(points for fact, points in checks if getattr(facts, fact))
        for name, checks in _CHECKS_BY_DIMENSION.items()
    }


def assess(dataset: Dataset) -> QualityReport:
    """Score one dataset (pure: reads the dataset, its resources and organization id)."""
    facts = facts_of(dataset)
    results = [
        IndicatorResult(i.key, i.dimension, i.points, getattr(facts, i.fact), i.label, i.hint)
        for i in INDICATORS
    ]
    won = dimension_points(facts)
    dimensions = {name: (won[name], DIMENSION_MAX[name]) for name in DIMENSIONS}
    score = sum(won.values())
    return QualityReport(dataset.id, score, MAX_SCORE, rating_for(score), dimensions, results)


def dataset_quality(session: Session, *, actor: Actor, dataset_id: int) -> QualityReport:
    """The quality report of a dataset the actor may manage; NotFound/PermissionDenied."""
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    authorize(actor, "dataset.quality_read", target_of(dataset))
    return assess(dataset)


@dataclass(frozen=True)
class QualitySummary:
    """Average MQA score over published datasets, with the spread of ratings."""

    datasets: int
    average_score: float
    max_score: int
    rating: str
    ratings: dict[str, int] = field(default_factory=dict)
    dimensions: dict[str, float] = field(default_factory=dict)


def quality_summary(
    session: Session, *, region_code: str | None = None, organization_id: int | None = None
) -> QualitySummary:
    """The average quality of published datasets, platform-wide or for a region or organization.

    Callers (governance reports, the open index) check the actor's right to see the figures.
    """
    stmt = select(Dataset).where(Dataset.status == "published")
    if organization_id is not None:
        stmt = stmt.where(Dataset.organization_id == organization_id)
    stmt = stmt.options(
        load_only(*_FACT_COLUMNS),
        noload(Dataset.organization),
        selectinload(Dataset.resources).load_only(Resource.kind, Resource.current_version_id),
    )
    won = [
        dimension_points(facts_of(d))
        for d in session.scalars(stmt).unique()
        if region_code is None or region_contains(region_code, d.region_code)
    ]
    return summarize(won)


def summarize(won: list[dict[str, int]]) -> QualitySummary:
    """Average score, rating spread and average points per dimension of some datasets."""
    ratings = {name: 0 for _lowest, name in RATINGS}
    scores = [sum(points.values()) for points in won]
    for score in scores:
        ratings[rating_for(score)] += 1
    count = len(won)
    average = round(sum(scores) / count, 1) if count else 0.0
    dimensions = {
        name: round(sum(points[name] for points in won) / count, 1) if count else 0.0
        for name in DIMENSIONS
    }
    return QualitySummary(count, average, MAX_SCORE, rating_for(int(average)), ratings, dimensions)
