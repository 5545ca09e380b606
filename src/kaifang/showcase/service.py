"""Submitting, reviewing and listing showcase apps; only approved apps reach the public."""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.policy import can
from kaifang.auth.service import authorize
from kaifang.catalog import service as catalog_service
from kaifang.db import utcnow
from kaifang.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kaifang.showcase.models import ShowcaseApp, ShowcaseAppDataset
from kaifang.showcase.schemas import AppIn, ReviewIn
from kaifang.showcase.screenshots import prepare_screenshot
from kaifang.storage import BlobStore

MAX_PENDING_PER_USER = 5


def _audit(session: Session, app: ShowcaseApp, action: str, actor: Actor) -> None:
    audit_service.record(
        session,
        action=f"showcase.{action}",
        actor=actor,
        object_type="showcase_app",
        object_id=app.id,
        details={"status": app.status, "featured": app.featured},
    )


def _published_dataset_ids(session: Session, actor: Actor, ids: list[int]) -> list[int]:
    unique = list(dict.fromkeys(ids))
    for dataset_id in unique:
        dataset = catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
        if dataset.status != "published":
            raise InvalidInput(
                "只能关联已发布的数据集 (only published datasets)",
                details={"field": "dataset_ids", "dataset_id": dataset_id},
            )
    return unique


def submit_app(session: Session, *, actor: Actor, data: AppIn) -> ShowcaseApp:
    """A new app awaiting review; Conflict when the user already has too many pending."""
    authorize(actor, "showcase.submit")
    pending = session.scalar(
        select(func.count())
        .select_from(ShowcaseApp)
        .where(ShowcaseApp.submitter_id == actor.user_id, ShowcaseApp.status == "submitted")
    )
    if (pending or 0) >= MAX_PENDING_PER_USER:
        raise Conflict(
            f"待审核的应用最多 {MAX_PENDING_PER_USER} 个 (too many apps awaiting review)"
        )
    ids = _published_dataset_ids(session, actor, data.dataset_ids)
    app = ShowcaseApp(
        name=data.name,
        description=data.description,
        url=data.url,
        submitter_id=actor.user_id,
        uses=[ShowcaseAppDataset(dataset_id=i) for i in ids],
    )
    session.add(app)
    session.flush()
    _audit(session, app, "submit", actor)
    return app


def get_app(session: Session, *, actor: Actor, app_id: int) -> ShowcaseApp:
    """An approved app for anyone; a pending or rejected one for its submitter and admins."""
    app = session.get(ShowcaseApp, app_id)
    visible = app is not None and (
        app.status == "approved"
        or app.submitter_id == actor.user_id
        or can(actor, "showcase.review")
    )
    if app is None or not visible:
        raise NotFound("应用不存在 (app not found)")
    return app


def attach_screenshot(
    session: Session,
    *,
    actor: Actor,
    blobs: BlobStore,
    app_id: int,
    data: bytes,
    max_bytes: int,
) -> ShowcaseApp:
    """Attach (or replace) the screenshot of an app awaiting review; the submitter only.

    The file is checked and re-encoded (``screenshots.prepare_screenshot``) before anything is
    stored, so a refused file leaves no blob behind; InvalidInput or TooLarge say why.
    """
    app = get_app(session, actor=actor, app_id=app_id)
    if app.submitter_id != actor.user_id:
        raise PermissionDenied(
            "只有提交人可以上传截图 (only the submitter may attach a screenshot)",
            details={"action": "showcase.submit"},
        )
    if app.status != "submitted":
        raise Conflict("应用审核后不能更换截图 (the app has been reviewed)")
    shot = prepare_screenshot(data, max_bytes=max_bytes)
    info = blobs.put_bytes(shot.data)
    replaced, app.screenshot_key = app.screenshot_key, info.key
    audit_service.record(
        session,
        action="showcase.screenshot",
        actor=actor,
        object_type="showcase_app",
        object_id=app.id,
        details={
            "sha256": info.key,
            "bytes": info.size,
            "width": shot.width,
            "height": shot.height,
            "uploaded_bytes": len(data),
            "replaced": replaced,
        },
    )
    return app


def open_screenshot(
    session: Session, *, actor: Actor, blobs: BlobStore, app_id: int
) -> tuple[ShowcaseApp, BinaryIO]:
    """The app and a reader over its screenshot, under the app's own visibility rule."""
    app = get_app(session, actor=actor, app_id=app_id)
    if not app.screenshot_key:
        raise NotFound("该应用没有截图 (the app has no screenshot)")
    return app, blobs.open(app.screenshot_key)


def review_app(session: Session, *, actor: Actor, app_id: int, decision: ReviewIn) -> ShowcaseApp:
    """Approve (optionally featuring it on the home page) or reject a submitted app."""
    authorize(actor, "showcase.review")
    app = get_app(session, actor=actor, app_id=app_id)
    if app.status != "submitted":
        raise Conflict("该应用已审核 (already reviewed)", details={"status": app.status})
    app.status = "approved" if decision.approve else "rejected"
    app.featured = decision.approve and decision.featured
    app.review_comment, app.reviewed_by, app.reviewed_at = decision.comment, actor.user_id, utcnow()
    _audit(session, app, "approve" if decision.approve else "reject", actor)
    return app


def set_featured(session: Session, *, actor: Actor, app_id: int, featured: bool) -> ShowcaseApp:
    """Feature an approved app on the home page, or stop featuring it."""
    authorize(actor, "showcase.review")
    app = get_app(session, actor=actor, app_id=app_id)
    if app.status != "approved":
        raise Conflict("只有已通过的应用可以推荐 (only approved apps)")
    app.featured = featured
    _audit(session, app, "feature" if featured else "unfeature", actor)
    return app


def list_apps(
    session: Session, *, featured_only: bool = False, dataset_id: int | None = None, limit: int = 50
) -> list[ShowcaseApp]:
    """Approved apps, featured first then newest; optionally those using one dataset."""
    stmt = select(ShowcaseApp).where(ShowcaseApp.status == "approved")
    if featured_only:
        stmt = stmt.where(ShowcaseApp.featured.is_(True))
    if dataset_id is not None:
        stmt = stmt.join(ShowcaseAppDataset).where(ShowcaseAppDataset.dataset_id == dataset_id)
    stmt = stmt.order_by(ShowcaseApp.featured.desc(), ShowcaseApp.id.desc()).limit(limit)
    return list(session.scalars(stmt).all())


def pending_apps(session: Session, *, actor: Actor) -> list[ShowcaseApp]:
    """Apps awaiting review, oldest first."""
    authorize(actor, "showcase.review")
    stmt = select(ShowcaseApp).where(ShowcaseApp.status == "submitted").order_by(ShowcaseApp.id)
    return list(session.scalars(stmt).all())


def my_apps(session: Session, *, actor: Actor) -> list[ShowcaseApp]:
    """The apps the actor submitted, newest first."""
    stmt = (
        select(ShowcaseApp)
        .where(ShowcaseApp.submitter_id == actor.user_id)
        .order_by(ShowcaseApp.id.desc())
    )
    return list(session.scalars(stmt).all())
