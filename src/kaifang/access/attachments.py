"""Application attachments: PDF, PNG or JPEG only, checked by content, kept in the blob store."""

from __future__ import annotations

import re
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.access.applications import EDITABLE, get_application, target_of
from kaifang.access.models import Attachment
from kaifang.access.timeline import add_event
from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.service import authorize
from kaifang.errors import Conflict, InvalidInput, NotFound, TooLarge
from kaifang.storage import BlobStore

# Setting-like limits; the lead may move them to Settings.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 20
SIGNATURES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
)
# Markup near the start means a browser could be talked into rendering it (polyglot files).
_MARKUP = re.compile(rb"<\s*(html|script|body|svg|iframe|!doctype|meta|object)", re.IGNORECASE)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|;]")


def sniff(data: bytes) -> tuple[str, tuple[str, ...]] | None:
    """The content type and allowed extensions the magic bytes announce, or None."""
    for magic, ctype, exts in SIGNATURES:
        if data.startswith(magic):
            return ctype, exts
    return None


def clean_filename(name: str) -> str:
    """A display name without paths, quotes or control characters (the blob key is the hash)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip(" .") or "attachment"
    return base[-200:]


def check_attachment(filename: str, data: bytes) -> str:
    """The verified content type; raises InvalidInput or TooLarge with the precise reason."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise TooLarge(
            f"附件不能超过 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB (attachment too large)",
            details={"max_bytes": MAX_ATTACHMENT_BYTES},
        )
    if not data:
        raise InvalidInput("附件为空 (empty attachment)", details={"field": "file"})
    found = sniff(data)
    if found is None:
        raise InvalidInput(
            "只接受 PDF、PNG 或 JPEG 文件 (only PDF, PNG or JPEG files)", details={"field": "file"}
        )
    ctype, exts = found
    if not filename.lower().endswith(exts):
        raise InvalidInput(
            "文件扩展名与内容不符 (extension does not match the content)",
            details={"field": "file", "detected": ctype},
        )
    if _MARKUP.search(data[:4096]):
        raise InvalidInput(
            "文件含有网页标记，已拒绝 (file contains HTML markup)", details={"field": "file"}
        )
    return ctype


def add_attachment(
    session: Session,
    *,
    actor: Actor,
    blobs: BlobStore,
    application_id: int,
    filename: str,
    data: bytes,
) -> Attachment:
    """Attach a file to a draft or returned application (the applicant only)."""
    app = get_application(session, actor=actor, application_id=application_id)
    authorize(actor, "application.edit", target_of(app))
    if app.status not in EDITABLE:
        raise Conflict("只能在草稿或补正时上传附件 (attach while draft or returned)")
    count = (
        session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.application_id == app.id)
        )
        or 0
    )
    if count >= MAX_ATTACHMENTS:
        raise Conflict(f"附件最多 {MAX_ATTACHMENTS} 个 (too many attachments)")
    ctype = check_attachment(filename, data)
    info = blobs.put_bytes(data, max_bytes=MAX_ATTACHMENT_BYTES)
    attachment = Attachment(
        application_id=app.id,
        blob_key=info.key,
        size_bytes=info.size,
        filename=clean_filename(filename),
        content_type=ctype,
        uploaded_by=actor.user_id,
    )
    session.add(attachment)
    session.flush()
    add_event(session, app, action="attach", actor=actor, comment=attachment.filename)
    audit_service.record(
        session,
        action="application.attach",
        actor=actor,
        object_type="attachment",
        object_id=attachment.id,
        details={"application": app.id, "sha256": info.key, "type": ctype},
    )
    return attachment


def list_attachments(session: Session, *, actor: Actor, application_id: int) -> list[Attachment]:
    """Attachments of an application the actor may see."""
    get_application(session, actor=actor, application_id=application_id)
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.application_id == application_id)
            .order_by(Attachment.id)
        ).all()
    )


def open_attachment(
    session: Session, *, actor: Actor, blobs: BlobStore, application_id: int, attachment_id: int
) -> tuple[Attachment, BinaryIO]:
    """The attachment row and a reader over its bytes; NotFound unless the actor may see it."""
    get_application(session, actor=actor, application_id=application_id)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application_id:
        raise NotFound("附件不存在 (attachment not found)")
    return attachment, blobs.open(attachment.blob_key)
