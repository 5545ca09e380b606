"""Pure presentation rules: timeliness, completeness, keyword splitting, JSON-LD escaping."""

from __future__ import annotations

import datetime as dt
import json

from kaifang.web.pages.jsonld import script_json
from kaifang.web.pages.presenters import CHECKS, completeness, split_keywords, timeliness

NOW = dt.datetime(2024, 6, 30, 12, tzinfo=dt.UTC)


def test_timeliness_against_the_frequency_period() -> None:
    updated = NOW - dt.timedelta(days=10)
    assert timeliness(last_updated=updated, max_days=31, now=NOW).state == "on_time"
    late = timeliness(last_updated=NOW - dt.timedelta(days=40), max_days=31, now=NOW)
    assert (late.state, late.days_late) == ("overdue", 9)
    assert timeliness(last_updated=updated, max_days=0, now=NOW).state == "no_deadline"
    assert timeliness(last_updated=None, max_days=7, now=NOW).state == "not_published"


def test_completeness_scores_every_check() -> None:
    assert completeness({}).score == 0
    full = {
        "title": "台州市公交线路信息",
        "summary": "全市公交线路、站点与首末班时间，由公交集团每月更新，覆盖全部营运线路。",
        "domains": ["jiao-tong-chu-xing"],
        "keywords": "公交、线路",
        "update_frequency": "monthly",
        "base_class": "thematic",
        "licence": "open-agreement",
        "temporal_start": "2024-01-01",
        "spatial_coverage": "台州市",
        "contact_name": "王工",
        "contact_email": "bus@example.org",
        "source_system": "公交调度系统",
        "item_label": ["线路名称"],
    }
    assert completeness(full).score == 100
    no_contact_route = {**full, "contact_email": ""}
    assert "contact" not in completeness(no_contact_route).passed
    assert len(CHECKS) == len({c.key for c in CHECKS})


def test_keywords_split_on_chinese_and_latin_separators() -> None:
    assert split_keywords("公交、线路，站点;  bus  公交") == ["公交", "线路", "站点", "bus"]


def test_script_json_cannot_end_its_block() -> None:
    hostile = {"name": "</script><script>alert(1)</script> & \u2028"}
    text = str(script_json(hostile))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == hostile
