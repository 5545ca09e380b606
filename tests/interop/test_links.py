"""The daily link check: link resources of published datasets, checked through the fetch rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.audit.models import AuditRecord
from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.config import Settings
from kaifang.db import Database, utcnow
from kaifang.interop import links
from kaifang.jobs.registry import registry as default_registry
from tests import factories
from tests.interop.harvest.instances import canned_server


def _link(session: Session, url: str, *, published: bool = True) -> int:
    seed_vocabularies(session)
    dataset = factories.published_dataset(session) if published else factories.dataset(session)
    resource = Resource(name="来源链接", kind="file", url=url, format="CSV")
    dataset.resources.append(resource)
    session.flush()
    return resource.id


def _trusting(settings: Settings, host: str) -> Settings:
    return settings.model_copy(update={"harvest_trusted_hosts": [host]})


def _state(db: Database, resource_id: int) -> tuple[Any, ...]:
    with db.unit_of_work(write=False) as session:
        r = session.get(Resource, resource_id)
        assert r is not None
        return r.link_status, r.link_detail, r.link_checked_at


def test_links_are_checked_and_flips_are_audited(db: Database, settings: Settings) -> None:
    with canned_server(200, b"a,b\n1,2\n") as good, canned_server(404, b"gone") as bad:
        with db.unit_of_work() as session:
            ok_id = _link(session, f"http://{good}/data.csv")
            broken_id = _link(session, f"http://{bad}/old.csv")
            private_id = _link(session, "http://10.0.0.8/intranet.csv")
            draft_id = _link(session, f"http://{good}/draft.csv", published=False)
        trusting = settings.model_copy(update={"harvest_trusted_hosts": [good, bad]})
        counts = links.check_links(db, trusting)
        assert counts == {"ok": 1, "broken": 1, "unchecked": 1}
        assert _state(db, ok_id)[0] == "ok"
        status, detail, checked = _state(db, broken_id)
        assert status == "broken" and "404" in detail and checked is not None
        assert _state(db, private_id)[0] == "unchecked"
        assert _state(db, draft_id) == (None, "", None)  # drafts are not checked

        # Checked again only after the interval; a recovered link is audited as a flip.
        assert links.check_links(db, trusting) == {"ok": 0, "broken": 0, "unchecked": 0}
        later = utcnow() + dt.timedelta(days=settings.link_check_interval_days, hours=1)
        with db.unit_of_work() as session:
            resource = session.get(Resource, broken_id)
            assert resource is not None
            resource.url = f"http://{good}/moved.csv"
        counts = links.check_links(db, trusting, now=later)
        assert counts["ok"] == 2 and _state(db, broken_id)[0] == "ok"
    with db.unit_of_work(write=False) as session:
        flips = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "resource.link_check")
        ).all()
        assert [(r.object_id, r.details["from"], r.details["to"]) for r in flips] == [
            (str(broken_id), "broken", "ok")
        ]


def test_a_large_answer_is_read_only_in_part(db: Database, settings: Settings) -> None:
    with canned_server(200, b"x" * (links.PROBE_BYTES * 4)) as host:
        with db.unit_of_work() as session:
            resource_id = _link(session, f"http://{host}/big.csv")
        assert links.check_links(db, _trusting(settings, host))["ok"] == 1
    assert _state(db, resource_id)[:2] == ("ok", "")


def test_batches_take_the_longest_unchecked_first(db: Database, settings: Settings) -> None:
    now = utcnow()
    with db.unit_of_work() as session:
        ids = [_link(session, f"http://example.invalid/{n}.csv") for n in range(3)]
        for resource_id, days in zip(ids, (30, None, 10), strict=True):
            resource = session.get(Resource, resource_id)
            assert resource is not None
            resource.link_checked_at = None if days is None else now - dt.timedelta(days=days)
    due = links.due_links(db, now=now, interval_days=7, limit=2)
    assert due == [ids[1], ids[0]]


def test_the_check_is_a_daily_job() -> None:
    assert links.CHECK_LINKS in default_registry.daily_kinds()


def test_the_dataset_page_shows_links_and_their_state(client: TestClient, session: Session) -> None:
    seed_vocabularies(session)
    dataset = factories.published_dataset(session)
    dataset.resources.append(factories.broken_link("https://data.example.gov.cn/files/a.csv"))
    session.commit()
    page = client.get(f"/datasets/{dataset.id}").text
    assert 'href="https://data.example.gov.cn/files/a.csv"' in page
    assert 'rel="nofollow noopener noreferrer"' in page
    assert "链接失效" in page and "HTTP 404" in page
    api = client.get(f"/api/v1/datasets/{dataset.id}").json()
    resource = next(r for r in api["resources"] if r["name"] == "来源链接")
    assert resource["link_status"] == "broken"
    dataset_row = session.scalars(select(Dataset).where(Dataset.id == dataset.id)).one()
    assert dataset_row.resources[-1].link_status == "broken"


def test_a_run_stops_at_its_time_limit(db: Database, settings: Settings) -> None:
    with db.unit_of_work() as session:
        first = _link(session, "http://10.0.0.8/a.csv")
    assert links.check_links(db, settings, run_seconds=-1.0) == {
        "ok": 0,
        "broken": 0,
        "unchecked": 0,
    }
    assert _state(db, first)[0] is None  # left for the next run
