"""Metadata quality (EU MQA dimensions): indicators, ratings, permissions and averages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session
from tests import factories

from kaifang.auth import service as auth_service
from kaifang.catalog import quality
from kaifang.catalog.models import Dataset, Resource, ResourceVersion
from kaifang.catalog.service import refresh_counts
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.errors import NotFound, PermissionDenied
from kaifang.web import i18n


def _with_data(session: Session, dataset: Dataset) -> Dataset:
    """Attach a loaded file resource (as an ingest would)."""
    resource = Resource(dataset_id=dataset.id, name="线路表", kind="file", format="CSV")
    resource.versions.append(
        ResourceVersion(number=1, sha256="0" * 64, size_bytes=2048, row_count=10)
    )
    session.add(resource)
    session.flush()
    resource.current_version_id = resource.versions[0].id
    session.refresh(dataset)
    refresh_counts(dataset)
    session.flush()
    return dataset


def _complete(session: Session, **overrides: object) -> Dataset:
    values: dict[str, object] = {
        "licence": "cc-by-4.0",
        "contact_email": "data@example.cn",
        "temporal_start": dt.date(2020, 1, 1),
    }
    values.update(overrides)
    dataset = factories.published_dataset(session, **values)
    return _with_data(session, dataset)


def _failed(report: quality.QualityReport) -> set[str]:
    return {r.key for r in report.failed}


def test_the_indicators_carry_the_mqa_points() -> None:
    by_dimension: dict[str, int] = {}
    for indicator in quality.INDICATORS:
        by_dimension[indicator.dimension] = by_dimension.get(indicator.dimension, 0) + (
            indicator.points
        )
    assert by_dimension == {
        "findability": 100,
        "accessibility": 100,
        "interoperability": 110,
        "reusability": 75,
        "contextuality": 20,
    }
    assert quality.MAX_SCORE == 405
    fields = set(quality.Facts.__dataclass_fields__)
    assert {i.fact for i in quality.INDICATORS} == fields  # every fact is used, none is unknown
    assert [quality.rating_for(s) for s in (405, 351, 350, 221, 220, 121, 120, 0)] == [
        "excellent",
        "excellent",
        "good",
        "good",
        "sufficient",
        "sufficient",
        "bad",
        "bad",
    ]


def test_a_complete_open_dataset_with_data_scores_everything(session: Session) -> None:
    seed_vocabularies(session)
    report = quality.assess(_complete(session))
    assert report.failed == [] and report.score == report.max_score == 405
    assert report.rating == "excellent"
    assert report.dimensions["interoperability"] == (110, 110)


def test_a_bare_draft_lists_what_to_fix(session: Session) -> None:
    seed_vocabularies(session)
    draft = factories.dataset(session, keywords=[], summary="", licence="")
    report = quality.assess(draft)
    assert {"keywords", "temporal", "download_url", "dcat_ap", "licence", "contact_point"} <= (
        _failed(report)
    )
    assert {"themes", "spatial", "publisher", "modified"}.isdisjoint(_failed(report))
    assert "issued" in _failed(report)  # set only on first publication
    assert report.rating == "bad" and report.score < 121
    hint = next(r.hint for r in report.failed if r.key == "contact_point")
    assert "e-mail" in hint


@pytest.mark.parametrize(
    ("overrides", "lost"),
    [
        ({"open_attribute": "conditional"}, {"access_url", "download_url_ok"}),
        ({"licence": "open-agreement"}, {"licence_vocabulary"}),
        ({"contact_email": "", "contact_phone": ""}, {"contact_point"}),
    ],
)
def test_each_gap_costs_its_points(
    session: Session, overrides: dict[str, object], lost: set[str]
) -> None:
    seed_vocabularies(session)
    report = quality.assess(_complete(session, **overrides))
    assert _failed(report) == lost
    assert report.score == 405 - sum(r.points for r in report.failed)


def test_closed_data_offers_no_distributions(session: Session) -> None:
    seed_vocabularies(session)
    report = quality.assess(_complete(session, open_attribute="closed"))
    assert {"format", "machine_readable", "rights", "byte_size"} <= _failed(report)
    assert report.dimensions["accessibility"] == (0, 100)


def test_only_staff_of_the_dataset_read_its_quality(session: Session) -> None:
    seed_vocabularies(session)
    org, other = factories.organization(session), factories.organization(session)
    dataset = _complete(session, org=org)
    officer = auth_service.actor_for(factories.user(session, role="officer", org=org))
    stranger = auth_service.actor_for(factories.user(session, role="officer", org=other))
    developer = auth_service.actor_for(factories.user(session))
    assert quality.dataset_quality(session, actor=officer, dataset_id=dataset.id).score == 405
    for actor in (stranger, developer):
        with pytest.raises(PermissionDenied):
            quality.dataset_quality(session, actor=actor, dataset_id=dataset.id)
    draft = factories.dataset(session, org=org)
    with pytest.raises(NotFound):
        quality.dataset_quality(session, actor=stranger, dataset_id=draft.id)


def test_average_quality_for_governance(session: Session) -> None:
    seed_vocabularies(session)
    city = factories.organization(session, region_code="331002")
    county = factories.organization(session, region_code="331003")
    _complete(session, org=city)
    factories.published_dataset(session, org=county, keywords=[], licence="")
    factories.dataset(session, org=city)  # drafts do not count
    everyone = quality.quality_summary(session)
    assert everyone.datasets == 2 and everyone.max_score == 405
    assert sum(everyone.ratings.values()) == 2 and everyone.ratings["excellent"] == 1
    reports = [quality.assess(d) for d in session.query(Dataset).filter_by(status="published")]
    assert everyone.average_score == round(sum(r.score for r in reports) / 2, 1)
    one_region = quality.quality_summary(session, region_code="331002")
    assert one_region.datasets == 1 and one_region.average_score == 405.0
    one_org = quality.quality_summary(session, organization_id=county.id)
    assert one_org.datasets == 1 and one_org.average_score < 405
    assert quality.quality_summary(session, organization_id=-1).average_score == 0.0


def test_every_quality_message_has_a_chinese_translation() -> None:
    known = i18n.catalog("zh_CN")
    messages = {i.label for i in quality.INDICATORS} | {i.hint for i in quality.INDICATORS}
    messages |= set(quality.RATING_LABELS.values()) | set(quality.DIMENSION_LABELS.values())
    assert sorted(m for m in messages if m not in known) == []
