"""A signed-in user's downloads are remembered; anonymous ones are not."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kaifang.activity import service as activity
from kaifang.auth.actor import ANONYMOUS
from tests import factories


def test_downloads_are_listed_newest_first_with_titles(session: Session) -> None:
    dataset = factories.published_dataset(session)
    user = factories.actor(session)
    other = factories.actor(session)
    assert (
        activity.record_download(session, actor=ANONYMOUS, dataset_id=dataset.id, fmt="csv") is None
    )
    activity.record_download(session, actor=user, dataset_id=dataset.id, fmt="csv", query="a=1")
    activity.record_download(session, actor=user, dataset_id=dataset.id, fmt="xlsx")
    session.flush()
    mine = activity.my_downloads(session, actor=user)
    assert [(d.fmt, d.query, d.title) for d in mine] == [
        ("xlsx", "", dataset.title),
        ("csv", "a=1", dataset.title),
    ]
    assert activity.my_downloads(session, actor=other) == []
