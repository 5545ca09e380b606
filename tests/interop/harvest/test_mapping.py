"""Harvested records → catalogue fields: vocabulary mapping, defaults and notes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from kaifang.catalog.vocabularies import VocabularyIndex, seed_vocabularies
from kaifang.interop.harvest.mapping import map_fields
from kaifang.interop.harvest.records import HarvestedDataset, HarvestedResource


def _vocab(session: Session) -> VocabularyIndex:
    seed_vocabularies(session)
    return VocabularyIndex(session)


def test_themes_map_by_code_label_or_the_source_map(session: Session) -> None:
    record = HarvestedDataset(
        guid="g",
        stable_key="k",
        title="公交线路",
        themes=(("transport", "Transport"), ("jiao-yu-wen-lv",), ("weather",), ("交通出行",)),
        update_frequency="每月",
        licence="cc-by-4.0",
        resources=(HarvestedResource("a", "https://x/a.csv", "CSV"),),
    )
    mapped = map_fields(
        _vocab(session), record, source_name="src", domain_map={"transport": "交通出行"}
    )
    assert mapped.fields["domains"] == ["jiao-tong-chu-xing", "jiao-yu-wen-lv"]
    assert mapped.notes == ["未匹配的领域 (unmapped theme): weather"]
    assert (mapped.fields["update_frequency"], mapped.fields["licence"]) == ("monthly", "cc-by-4.0")
    assert mapped.fields["formats"] == ["CSV"]
    assert mapped.fields["source_system"] == "harvest:src"


def test_unknown_values_fall_back_to_defaults_with_notes(session: Session) -> None:
    record = HarvestedDataset(
        guid="g",
        stable_key="k",
        title="t2",
        update_frequency="hourly",
        open_attribute="secret",
        grade="L9",
        temporal_start="2024-05-01",
        temporal_end="2023-01-01",
    )
    mapped = map_fields(_vocab(session), record, source_name="s", domain_map={})
    fields = mapped.fields
    assert (fields["open_attribute"], fields["grade"]) == ("unconditional", "L1")
    assert fields["update_frequency"] == "irregular"
    assert (fields["temporal_start"], fields["temporal_end"]) == (None, None)
    assert any("hourly" in note for note in mapped.notes)


def test_dates_and_keywords_are_cleaned(session: Session) -> None:
    record = HarvestedDataset(
        guid="g",
        stable_key="k",
        title="t2",
        keywords=(" 公交 ", "公交", "", "x" * 80),
        temporal_start="2023-01-01T00:00:00",
    )
    fields = map_fields(_vocab(session), record, source_name="s", domain_map={}).fields
    assert fields["keywords"] == ["公交", "x" * 50]
    assert fields["temporal_start"] == dt.date(2023, 1, 1)
