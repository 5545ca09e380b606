"""Title autocomplete: Chinese, pinyin and initials prefixes, visibility-filtered."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kaifang.auth.actor import ANONYMOUS, Actor
from kaifang.search import service

from .conftest import Catalogue


def suggested(session: Session, prefix: str, actor: Actor = ANONYMOUS) -> list[str]:
    return [s.title for s in service.suggest(session, actor=actor, prefix=prefix)]


PREFIXES = [
    "台州",
    "台州市公",
    "公交",
    "公交线",
    "线路信",
    "taizhou",
    "gongjiao",
    "gjxl",
    "tzsgj",
    "GongJiao",
]


def test_prefixes_complete_the_title(session: Session, catalogue: Catalogue) -> None:
    for prefix in PREFIXES:
        assert "台州市公交线路信息" in suggested(session, prefix), prefix


def test_prefix_must_start_at_a_word(session: Session, catalogue: Catalogue) -> None:
    assert suggested(session, "交线") == []
    assert suggested(session, "zzzz") == []


def test_title_starts_rank_before_inner_words(session: Session, catalogue: Catalogue) -> None:
    # 饮用水 starts one title; 监测 is an inner word of it.
    assert suggested(session, "yinyong") == ["饮用水监测点位"]
    assert suggested(session, "jc") == ["饮用水监测点位"]


def test_drafts_are_only_suggested_to_their_organization(
    session: Session, catalogue: Catalogue
) -> None:
    assert suggested(session, "出租") == []
    assert suggested(session, "chuzu") == []
    assert suggested(session, "出租", catalogue.traffic_officer) == ["出租车营运秘密草稿"]
    assert suggested(session, "出租", catalogue.health_officer) == []


def test_empty_or_symbol_prefixes_suggest_nothing(session: Session, catalogue: Catalogue) -> None:
    for prefix in ["", "   ", "%", "_", "'", '"', "*", "\\", "\x00", "🙂"]:
        assert suggested(session, prefix) == [], prefix


def test_limit_is_respected(session: Session, catalogue: Catalogue) -> None:
    everything = service.suggest(session, actor=ANONYMOUS, prefix="x", limit=1)
    assert len(everything) <= 1
    assert len(service.suggest(session, actor=ANONYMOUS, prefix="信息", limit=500)) <= 20
