"""The home page: figures, lists, featured apps, and the per-process snapshot of them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.runtime import Runtime
from kaifang.web.pages import home
from tests import factories
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get


def test_home_lists_public_datasets_and_links_to_requests_and_apps(
    client: TestClient, session: Session, cast: Cast
) -> None:
    dataset = factories.published_dataset(session, org=cast.org, title="<b>公交</b>线路")
    session.commit()
    html = get(client, "/").text
    assert f'href="/datasets/{dataset.id}"' in html and "&lt;b&gt;公交&lt;/b&gt;线路" in html
    assert 'href="/feedback/new?kind=data_request"' in html and 'href="/apps"' in html


def test_home_figures_are_a_snapshot_for_the_configured_seconds(
    client: TestClient, session: Session, cast: Cast, runtime: Runtime
) -> None:
    runtime.settings.home_cache_seconds = 60
    first = factories.published_dataset(session, org=cast.org)
    session.commit()
    assert f'href="/datasets/{first.id}"' in get(client, "/").text
    second = factories.published_dataset(session, org=cast.org)
    session.commit()
    assert f'href="/datasets/{second.id}"' not in get(client, "/").text
    runtime.settings.home_cache_seconds = 0
    assert f'href="/datasets/{second.id}"' in get(client, "/").text


def test_the_first_snapshot_is_counted_at_start_up_and_visitors_wait_for_it(
    client: TestClient, session: Session, cast: Cast, runtime: Runtime
) -> None:
    runtime.settings.home_cache_seconds = 60
    dataset = factories.published_dataset(session, org=cast.org)
    session.commit()
    home.warm_up(runtime)
    # A visitor arriving while the warm-up counts waits on the same lock, then reuses its result.
    assert f'href="/datasets/{dataset.id}"' in get(client, "/").text
    expires, snapshot = runtime.extras[home.SNAPSHOT_KEY]
    assert any(link.id == dataset.id for link in snapshot["newest"])
    assert runtime.extras[home.SNAPSHOT_KEY][0] == expires  # counted once, not again
