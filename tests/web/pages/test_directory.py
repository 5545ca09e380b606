"""Organizations, domains, regions and the sitemap list only the public catalogue."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import SYSTEM
from kaifang.governance import service as governance_service
from tests import factories
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, sign_in

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_organizations_list_counts_published_only(
    client: TestClient, session: Session, cast: Cast
) -> None:
    factories.published_dataset(session, org=cast.org)
    factories.published_dataset(session, org=cast.org)
    officer = factories.actor(session, role="officer", org=cast.org)
    factories.dataset(session, actor=officer, title="未发布的草稿数据集")
    session.commit()
    html = get(client, "/organizations?lang=en").text
    assert cast.org.name in html and cast.other_org.name in html
    card = html.split(cast.org.name, 1)[1].split("</a>", 1)[0]
    assert '<span class="org-count">2</span>' in card
    filtered = get(client, "/organizations?region=331003").text
    assert cast.other_org.name in filtered and cast.org.name not in filtered


def test_organization_page_shows_datasets_figures_and_baseline(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds = factories.published_dataset(session, org=cast.org, title="公交站点信息")
    governance_service.set_baseline(
        session,
        organization_id=cast.org.id,
        year=2020,
        datasets=12,
        items=140,
        source="2020 年开放统计",
    )
    officer = factories.actor(session, role="officer", org=cast.org)
    factories.dataset(session, actor=officer, title="尚未发布的数据")
    session.commit()
    sign_in(client, cast.officer)
    html = get(client, f"/organizations/{cast.org.slug}?lang=en").text
    assert "公交站点信息" in html and f"/datasets/{ds.id}" in html
    assert "尚未发布的数据" not in html
    assert "Progress since 2020" in html and "140" in html and "2020 年开放统计" in html
    other = get(client, f"/organizations/{cast.other_org.slug}?lang=en").text
    assert "No baseline figures" in other and "has not published any datasets" in other


def test_unknown_directory_pages_are_404(client: TestClient, session: Session, cast: Cast) -> None:
    for path in (
        "/organizations/nope",
        f"/organizations/{cast.org.id}",
        "/domains/nope",
        "/regions/999999",
    ):
        assert get(client, path).status_code == 404, path


def test_domain_and_region_pages(client: TestClient, session: Session, cast: Cast) -> None:
    ds = factories.published_dataset(session, org=cast.org, domains=["交通出行", "城建住房"])
    session.commit()
    domain = get(client, "/domains/jiao-tong-chu-xing")
    assert domain.status_code == 200 and ds.title in domain.text
    assert ds.title not in get(client, "/domains/wei-sheng-jian-kang").text
    index = get(client, "/domains").text
    assert "/domains/cheng-jian-zhu-fang" in index
    district = get(client, f"/regions/{ds.region_code}")
    assert district.status_code == 200 and ds.title in district.text
    city = get(client, "/regions/3310").text
    assert ds.title in city and f'href="/regions/{ds.region_code}"' in city


def test_sitemap_lists_only_published_and_is_escaped(
    client: TestClient, session: Session, cast: Cast
) -> None:
    public = factories.published_dataset(session, org=cast.org)
    officer = factories.actor(session, role="officer", org=cast.org)
    draft = factories.dataset(session, actor=officer)
    lab = auth_service.create_organization(
        session, actor=SYSTEM, name="研发<测试>中心", slug="r&d", region_code="331002"
    )
    factories.published_dataset(session, org=lab)
    session.commit()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    urls = [u.findtext(f"{SITEMAP_NS}loc") or "" for u in root.iter(f"{SITEMAP_NS}url")]
    assert any(u.endswith(f"/datasets/{public.id}") for u in urls)
    assert not any(u.endswith(f"/datasets/{draft.id}") for u in urls)
    assert any(u.endswith(f"/organizations/{cast.org.slug}") for u in urls)
    assert not any(u.endswith(f"/organizations/{cast.other_org.slug}") for u in urls)
    assert any(u.endswith("/domains/jiao-tong-chu-xing") for u in urls)
    assert any(u.endswith("/organizations/r&d") for u in urls) and "r&amp;d" in response.text
