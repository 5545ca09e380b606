"""Finding datasets: Chinese words, pinyin, data items, facets, visibility and highlighting."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.orm import Session

from kaifang.auth.actor import ANONYMOUS, SYSTEM, Actor
from kaifang.errors import BadRequest
from kaifang.search import service
from kaifang.search.schemas import SearchQuery, SearchResult
from tests import factories

from .conftest import Catalogue


def search(session: Session, actor: Actor = ANONYMOUS, **kwargs: object) -> SearchResult:
    return service.search_datasets(session, actor=actor, query=SearchQuery(**kwargs))  # type: ignore[arg-type]


def titles(result: SearchResult) -> set[str]:
    return {hit["title"] for hit in result.items}


def facet(result: SearchResult, name: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in result.facets[name]}


def test_chinese_words_find_titles(session: Session, catalogue: Catalogue) -> None:
    assert "台州市公交线路信息" in titles(search(session, q="公交"))
    assert "台州市公交线路信息" in titles(search(session, q="线路"))
    assert titles(search(session, q="公交线路")) >= {"台州市公交线路信息"}
    assert titles(search(session, q="停车场 椒江")) == {"椒江区公共停车场信息"}
    assert titles(search(session, q="医疗机构")) == {"医疗机构执业许可信息"}


def test_pinyin_and_initials_find_chinese(session: Session, catalogue: Catalogue) -> None:
    traffic = {"台州市公交线路信息", "椒江区公共停车场信息"}
    assert titles(search(session, q="jiaotong")) == traffic
    assert titles(search(session, q="JT")) >= traffic
    assert titles(search(session, q="gongjiao")) == {"台州市公交线路信息"}
    assert "医疗机构执业许可信息" in titles(search(session, q="yiliao"))


def test_data_item_labels_and_names_are_searchable(session: Session, catalogue: Catalogue) -> None:
    assert titles(search(session, q="溶解氧")) == {"饮用水监测点位"}
    assert titles(search(session, q="berth")) == {"椒江区公共停车场信息"}


def test_in_items_searches_only_data_items(session: Session, catalogue: Catalogue) -> None:
    assert titles(search(session, q="饮用水", in_items=True)) == set()
    assert titles(search(session, q="饮用水")) == {"饮用水监测点位"}
    assert titles(search(session, q="监测点名称", in_items=True)) == {"饮用水监测点位"}


def test_words_are_combined_with_and(session: Session, catalogue: Catalogue) -> None:
    assert titles(search(session, q="公交 医疗")) == set()
    assert search(session, q="公交 医疗").total == 0


def test_facet_counts_over_the_visible_set(session: Session, catalogue: Catalogue) -> None:
    result = search(session)
    assert result.total == 4
    assert facet(result, "domain") == {
        "jiao-tong-chu-xing": 2,
        "cheng-jian-zhu-fang": 1,
        "wei-sheng-jian-kang": 1,
        "sheng-tai-huan-jing": 1,
    }
    assert facet(result, "format") == {"CSV": 3, "JSON": 1, "XLSX": 1}
    assert facet(result, "organization") == {
        str(catalogue.traffic.id): 2,
        str(catalogue.health.id): 2,
    }
    assert facet(result, "region") == {"3310": 3, "331002": 1}
    labels = {f["value"]: f["label"] for f in result.facets["domain"]}
    assert labels["jiao-tong-chu-xing"] == "交通出行"


def test_facets_respect_other_filters(session: Session, catalogue: Catalogue) -> None:
    result = search(session, filters={"format": ["CSV"]})
    assert result.total == 3
    assert facet(result, "organization") == {
        str(catalogue.traffic.id): 2,
        str(catalogue.health.id): 1,
    }
    assert facet(result, "domain")["jiao-tong-chu-xing"] == 2
    # Counts are over the filtered set: XLSX (only on the clinics) is gone, JSON co-occurs.
    assert facet(result, "format") == {"CSV": 3, "JSON": 1}
    assert [f["value"] for f in result.facets["format"] if f["selected"]] == ["CSV"]


def test_selected_values_are_listed_even_without_hits(
    session: Session, catalogue: Catalogue
) -> None:
    result = search(session, q="公交", filters={"format": ["XLSX"]})
    assert result.total == 0
    assert result.facets["format"] == [
        {"value": "XLSX", "label": "XLSX", "count": 0, "selected": True}
    ]


def test_filters_or_within_and_across_facets(session: Session, catalogue: Catalogue) -> None:
    both = search(session, filters={"domain": ["wei-sheng-jian-kang", "sheng-tai-huan-jing"]})
    assert titles(both) == {"医疗机构执业许可信息", "饮用水监测点位"}
    narrowed = search(session, filters={"domain": ["jiao-tong-chu-xing"], "region": ["331002"]})
    assert titles(narrowed) == {"椒江区公共停车场信息"}
    city = search(session, filters={"region": ["3310"]})
    assert city.total == 4
    org = search(session, q="信息", filters={"organization": [str(catalogue.health.id)]})
    assert titles(org) == {"医疗机构执业许可信息"}


def test_facets_follow_the_text_query(session: Session, catalogue: Catalogue) -> None:
    result = search(session, q="监测")
    assert result.total == 1
    assert facet(result, "domain") == {"sheng-tai-huan-jing": 1}
    assert facet(result, "open_attribute") == {"unconditional": 1}


def test_drafts_are_hidden_from_anonymous_everywhere(
    session: Session, catalogue: Catalogue
) -> None:
    for q in ("出租车", "秘密", "车牌", "chuzuche", ""):
        result = search(session, q=q)
        assert "出租车营运秘密草稿" not in titles(result)
        if q:
            assert result.total == 0
    everything = search(session)
    assert everything.total == 4
    assert "jiao-tong-yun-shu" not in facet(everything, "domain")
    assert facet(everything, "organization")[str(catalogue.traffic.id)] == 2


def test_own_officer_sees_the_draft(session: Session, catalogue: Catalogue) -> None:
    mine = search(session, catalogue.traffic_officer, q="出租车")
    assert titles(mine) == {"出租车营运秘密草稿"}
    assert mine.items[0]["status"] == "draft"
    everything = search(session, catalogue.traffic_officer)
    assert everything.total == 5
    assert facet(everything, "domain")["jiao-tong-yun-shu"] == 1
    assert search(session, catalogue.health_officer, q="出租车").total == 0


def test_region_scoped_reviewer_sees_drafts_of_the_region(
    session: Session, catalogue: Catalogue
) -> None:
    inside = factories.actor(session, role="reviewer", region_code="3310")
    outside = factories.actor(session, role="reviewer", region_code="3301")
    assert search(session, inside, q="出租车").total == 1
    assert search(session, outside, q="出租车").total == 0
    assert search(session, SYSTEM, q="出租车").total == 1


def test_hits_carry_display_fields_and_matched_terms(
    session: Session, catalogue: Catalogue
) -> None:
    hit = search(session, q="公交").items[0]
    assert hit["title"] == "台州市公交线路信息"
    assert hit["matched_terms"] == ["公交"]
    assert hit["organization"]["name"] == "台州市交通运输局"
    assert hit["domains"] == [{"code": "jiao-tong-chu-xing", "label": "交通出行"}]
    assert hit["update_frequency"] == {"code": "monthly", "label": "每月"}
    assert hit["formats"] == ["CSV"]
    assert hit["views"] == 50 and hit["item_count"] == 3
    assert "<" not in hit["summary"]


def test_pinyin_query_marks_the_chinese_words(session: Session, catalogue: Catalogue) -> None:
    hit = search(session, q="gongjiao").items[0]
    assert hit["matched_terms"] == ["公交"]


def test_long_summary_is_cut_around_the_match(session: Session) -> None:
    summary = "甲" * 300 + "公交站点" + "乙" * 300
    factories.published_dataset(session, title="长摘要数据集", summary=summary)
    service.reindex_all(session)
    hit = search(session, q="公交站点").items[0]
    assert "公交站点" in hit["summary"]
    assert hit["summary"].startswith("…") and hit["summary"].endswith("…")
    assert len(hit["summary"]) <= 162


def test_only_requested_facets_are_counted(session: Session, catalogue: Catalogue) -> None:
    result = search(session, facets=["domain", "grade"])
    assert set(result.facets) == {"domain", "grade"}
    assert result.total == 4


@pytest.mark.parametrize(
    "kwargs",
    [
        {"size": 101},
        {"size": 0},
        {"filters": {"colour": ["red"]}},
        {"filters": {"organization": ["abc"]}},
        {"sort": "random"},
        {"facets": ["nonsense"]},
        {"q": "x" * 201},
    ],
)
def test_invalid_queries_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SearchQuery(**kwargs)  # type: ignore[arg-type]


def test_postgres_planner_settings_are_restored(
    session: Session, catalogue: Catalogue, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL planner settings")
    search(session, q="公交")
    with pytest.raises(BadRequest):
        search(session, q="公交", cursor="broken")
    search(session)
    assert session.scalar(text("SHOW enable_seqscan")) == "on"
    assert session.scalar(text("SHOW work_mem")) != "32MB"
    assert session.scalar(text("SHOW jit")) == "on"
