"""The MQA card on the workbench dataset edit page: what to fix, in Chinese and in English."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from tests import factories
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, sign_in


def test_edit_page_lists_what_to_fix(client: TestClient, session: Session, cast: Cast) -> None:
    officer = auth_service.actor_for(auth_service.find_user(session, cast.officer))
    draft = factories.dataset(session, actor=officer, keywords=[], licence="")
    session.commit()
    sign_in(client, cast.officer)
    page = get(client, f"/workbench/datasets/{draft.id}/edit")
    assert page.status_code == 200
    html = page.text
    assert "元数据质量（欧盟 MQA）" in html and "待改进项" in html
    assert 'data-indicator="keywords"' in html and "添加用户会搜索的关键词。" in html
    assert 'data-indicator="themes"' not in html  # the draft has a domain
    english = get(client, f"/workbench/datasets/{draft.id}/edit?lang=en").text
    assert "What to fix" in english and "Add keywords people would search for." in english
    new_form = get(client, "/workbench/datasets/new").text
    assert "待改进项" not in new_form  # nothing saved yet, nothing to score


def test_edit_page_lists_broken_links(client: TestClient, session: Session, cast: Cast) -> None:
    from kaifang.catalog.models import Resource

    officer = auth_service.actor_for(auth_service.find_user(session, cast.officer))
    draft = factories.dataset(session, actor=officer)
    draft.resources.append(factories.broken_link("https://data.example.gov.cn/gone.csv"))
    draft.resources.append(
        Resource(name="好链接", url="https://x.example/ok.csv", link_status="ok")
    )
    session.commit()
    sign_in(client, cast.officer)
    html = get(client, f"/workbench/datasets/{draft.id}/edit").text
    assert "失效链接" in html and "gone.csv" in html and "HTTP 404" in html
    assert "ok.csv" not in html.split("失效链接", 1)[1].split("</ul>", 1)[0]
