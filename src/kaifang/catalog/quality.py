"""Metadata quality per dataset, scored like the EU Metadata Quality Assessment (MQA).

The five MQA dimensions and their points (405 in all) are kept; each indicator is checked on
the catalogue fields our DCAT-AP export is built from, so the score predicts what an EU
harvester would measure. Where the export fills a gap with a generated value (a description
that repeats the title, a contact point named after the organization) the indicator counts
as missing, because the generated value is not real metadata. Labels and hints are English
message ids; pages and the API translate them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

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

Check = Callable[[Dataset], bool]


def served(dataset: Dataset) -> bool:
    """Whether the export offers distributions: loaded data that is not closed."""
    if dataset.open_attribute == "closed":
        return False
    return any(r.kind == "file" and r.current_version_id for r in dataset.resources)


def reachable(dataset: Dataset) -> bool:
    """Whether an anonymous harvester gets 2xx from the download URLs."""
    return (
        served(dataset)
        and dataset.status == "published"
        and (dataset.open_attribute == "unconditional")
    )


def _loaded_size(dataset: Dataset) -> bool:
    return served(dataset) and dataset.size_bytes > 0


@dataclass(frozen=True)
class Indicator:
    """One MQA indicator: its dimension, points, check and English label and fix hint."""

    key: str
    dimension: str
    points: int
    check: Check
    label: str
    hint: str


def _ind(key: str, dimension: str, points: int, check: Check, label: str, hint: str) -> Indicator:
    return Indicator(key, dimension, points, check, label, hint)


INDICATORS: tuple[Indicator, ...] = (
    # Findability (100)
    _ind("keywords", "findability", 30, lambda d: bool(d.keywords), "Keywords",
         "Add keywords people would search for."),
    _ind("themes", "findability", 30, lambda d: bool(d.domains), "Domains (themes)",
         "Tick at least one domain."),
    _ind("spatial", "findability", 20, lambda d: bool(d.region_code), "Spatial coverage",
         "Choose the region the data applies to."),
    _ind("temporal", "findability", 20, lambda d: bool(d.temporal_start or d.temporal_end),
         "Temporal coverage", "Fill in the period the data covers (coverage from / to)."),
    # Accessibility (100)
    _ind("access_url", "accessibility", 50, reachable, "Access URL answers",
         "Load a data file and publish the dataset as unconditionally open; harvesters "
         "cannot reach conditionally open or closed data."),
    _ind("download_url", "accessibility", 20, served, "Download URL given",
         "Upload a data file so that downloads are offered."),
    _ind("download_url_ok", "accessibility", 30, reachable, "Download URL answers",
         "Publish the dataset with loaded data; only unconditionally open data can be "
         "downloaded without an application."),
    # Interoperability (110): the best distribution is our CSV export.
    _ind("format", "interoperability", 20, served, "File format",
         "Upload a data file: every download format is then described."),
    _ind("media_type", "interoperability", 10, served, "Media type",
         "Upload a data file: every download carries its media type."),
    _ind("format_vocabulary", "interoperability", 10, served, "Format from the EU vocabulary",
         "Upload a data file: download formats use the EU file-type vocabulary."),
    _ind("non_proprietary", "interoperability", 20, served, "Non-proprietary format",
         "Upload a data file: it is offered as CSV, JSON and XML."),
    _ind("machine_readable", "interoperability", 20, served, "Machine-readable format",
         "Upload a table (CSV, Excel, JSON …) rather than a document."),
    _ind("dcat_ap", "interoperability", 30, lambda d: bool(d.title and d.summary.strip()),
         "DCAT-AP compliance", "Write a summary: without one the record repeats the title."),
    # Reusability (75)
    _ind("licence", "reusability", 20, lambda d: bool(d.licence), "Licence",
         "Choose a licence or agreement."),
    _ind("licence_vocabulary", "reusability", 10, lambda d: d.licence in STANDARD_LICENCES,
         "Known licence", "Use a standard licence such as CC BY 4.0 where policy allows."),
    _ind("access_rights", "reusability", 10, lambda d: bool(d.open_attribute), "Access rights",
         "Set the open attribute."),
    _ind("access_rights_vocabulary", "reusability", 5, lambda d: bool(d.open_attribute),
         "Access rights from the vocabulary", "Set the open attribute."),
    _ind("contact_point", "reusability", 20, lambda d: bool(d.contact_email or d.contact_phone),
         "Contact point", "Give a contact e-mail or phone number."),
    _ind("publisher", "reusability", 10, lambda d: d.organization_id is not None, "Publisher",
         "Assign the provider organization."),
    # Contextuality (20)
    _ind("rights", "contextuality", 5, served, "Rights statement",
         "Upload a data file: each download states its access rights."),
    _ind("byte_size", "contextuality", 5, _loaded_size, "File size",
         "Upload a data file so that its size is known."),
    _ind("issued", "contextuality", 5, lambda d: d.first_published_at is not None,
         "Issue date", "The issue date is set when the dataset is first published."),
    _ind("modified", "contextuality", 5, lambda d: d.modified_at is not None,
         "Modification date", "Save the dataset once."),
)  # fmt: skip
MAX_SCORE = sum(i.points for i in INDICATORS)


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


def assess(dataset: Dataset) -> QualityReport:
    """Score one dataset (pure: reads the dataset, its resources and organization id)."""
    results = [
        IndicatorResult(i.key, i.dimension, i.points, bool(i.check(dataset)), i.label, i.hint)
        for i in INDICATORS
    ]
    dimensions = {
        name: (
            sum(r.points for r in results if r.dimension == name and r.passed),
            sum(r.points for r in results if r.dimension == name),
        )
        for name in DIMENSIONS
    }
    score = sum(r.points for r in results if r.passed)
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
    resources = selectinload(Dataset.resources).load_only(
        Resource.kind, Resource.current_version_id
    )
    stmt = stmt.options(resources)
    reports = [
        assess(d)
        for d in session.scalars(stmt).unique()
        if region_code is None or region_contains(region_code, d.region_code)
    ]
    return summarize(reports)


def summarize(reports: list[QualityReport]) -> QualitySummary:
    """Average score, rating spread and average points per dimension of some reports."""
    ratings = {name: 0 for _lowest, name in RATINGS}
    for report in reports:
        ratings[report.rating] += 1
    count = len(reports)
    average = round(sum(r.score for r in reports) / count, 1) if count else 0.0
    dimensions = {
        name: round(sum(r.dimensions[name][0] for r in reports) / count, 1) if count else 0.0
        for name in DIMENSIONS
    }
    return QualitySummary(count, average, MAX_SCORE, rating_for(int(average)), ratings, dimensions)
