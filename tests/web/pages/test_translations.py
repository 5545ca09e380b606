"""Every message these pages use has a Chinese translation; English is one click away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.governance.index.definitions import INDICATORS, WEIGHT_NOTE
from kaifang.web import i18n
from kaifang.web.pages import (
    access,
    access_labels,
    access_review,
    admin,
    developer_keys,
    feedback,
    harvest,
    presenters,
    review,
    showcase,
    workbench,
    workbench_data,
    workbench_edit,
)
from tests import factories
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, sign_in

WEB = Path(i18n.__file__).parent
TEMPLATES = WEB / "templates"
PAGE_TEMPLATES = [
    *sorted((TEMPLATES / "access").glob("*.html")),
    *sorted((TEMPLATES / "datasets").glob("*.html")),
    *sorted((TEMPLATES / "directory").glob("*.html")),
    *sorted((TEMPLATES / "workbench").glob("*.html")),
    *sorted((TEMPLATES / "feedback").glob("*.html")),
    *sorted((TEMPLATES / "showcase").glob("*.html")),
    *(
        TEMPLATES / name
        for name in (
            "_macros.html",
            "_code_examples.html",
            "developer.html",
            "developer_keys.html",
            "register.html",
            "account.html",
            "open_index.html",
            "home.html",
            "downloads.html",
            "_downloads_table.html",
        )
    ),
]
CALL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
EMPTY_LIST = re.compile(r'dataset_list\(page, "([^"]+)"\)')
PLACEHOLDER = re.compile(r"\{\w+\}")


def _msgids() -> set[str]:
    found: set[str] = set()
    for path in PAGE_TEMPLATES:
        text = path.read_text(encoding="utf-8")
        found |= {a or b for a, b in CALL.findall(text)}
        found |= set(EMPTY_LIST.findall(text))
    for table in (
        presenters.OPEN_ATTRIBUTE_MSGIDS,
        presenters.GRADE_MSGIDS,
        presenters.STATUS_MSGIDS,
        presenters.FIELD_MSGIDS,
        presenters.EVENT_MSGIDS,
        workbench.NOTICES,
        workbench_edit.PRIVACY_NOTICES,
        review.DONE,
        harvest.NOTICES,
        harvest.KIND_MSGIDS,
        harvest.SCHEDULE_MSGIDS,
        harvest.RUN_STATUS_MSGIDS,
        harvest.ACTION_MSGIDS,
        access.NOTICES,
        developer_keys.NOTICES,
        developer_keys.SCOPE_MSGIDS,
        access_review.DONE,
        access_labels.STATUS_MSGIDS,
        access_labels.ACTION_MSGIDS,
        access_labels.CHANNEL_MSGIDS,
        access_labels.STAGE_MSGIDS,
        feedback.KIND_MSGIDS,
        feedback.STATE_MSGIDS,
        feedback.EVENT_MSGIDS,
        feedback.FIELD_ERROR_MSGIDS,
        showcase.FIELD_ERROR_MSGIDS,
        workbench_data.LOAD_STATUS_MSGIDS,
        access_labels.CHAIN_MSGIDS,
        admin.NOTICES,
    ):
        found |= set(table.values())
    found |= {c.msgid for c in presenters.CHECKS}
    found |= {i.definition for i in INDICATORS} | {WEIGHT_NOTE}
    found |= {d.label for d in presenters.downloads(1, geo=True)}
    return found


def test_every_message_has_a_chinese_translation() -> None:
    known = i18n.catalog("zh_CN")
    assert sorted(m for m in _msgids() if m not in known) == []


def test_translations_keep_their_placeholders() -> None:
    for msgid, text in i18n.catalog("zh_CN").items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid


@pytest.mark.parametrize(
    "path", ["/organizations", "/domains", "/developer", "/register", "/regions/3310"]
)
def test_public_pages_switch_to_english(
    client: TestClient, session: Session, cast: Cast, path: str
) -> None:
    factories.published_dataset(session, org=cast.org)
    session.commit()
    zh, en = get(client, path), get(client, f"{path}?lang=en")
    assert zh.status_code == en.status_code == 200
    assert '<html lang="zh-CN">' in zh.text and '<html lang="en">' in en.text
    assert 'href="?lang=zh_CN"' in en.text and 'lang="zh-CN">中文' in en.text


def test_workbench_switches_to_english(client: TestClient, cast: Cast) -> None:
    sign_in(client, cast.officer)
    en = get(client, "/workbench/datasets/new?lang=en").text
    assert '<html lang="en">' in en and "Metadata completeness" in en
    assert "Unconditionally open" in en
