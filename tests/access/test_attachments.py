"""Attachments: only real PDF/PNG/JPEG by content, within size, visible to whoever sees the case."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from kaifang.access import attachments, service
from kaifang.errors import Conflict, InvalidInput, NotFound, TooLarge
from kaifang.storage import MemoryBlobStore
from tests.access.conftest import World
from tests.access.helpers import application_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("commitment.pdf", b"<html><script>alert(1)</script></html>", InvalidInput),
        ("commitment.pdf", b"%PDF-1.4\n<html><body onload=alert(1)>", InvalidInput),
        ("scan.png", PDF, InvalidInput),
        ("page.html", PDF, InvalidInput),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", InvalidInput),
        ("empty.pdf", b"", InvalidInput),
        ("big.pdf", b"%PDF-" + b"0" * attachments.MAX_ATTACHMENT_BYTES, TooLarge),
    ],
)
def test_refused_files(name: str, data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        attachments.check_attachment(name, data)


def test_accepted_types_and_clean_names() -> None:
    assert attachments.check_attachment("承诺书.PDF", PDF) == "application/pdf"
    assert attachments.check_attachment("a.png", PNG) == "image/png"
    assert attachments.check_attachment("a.jpeg", b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert attachments.clean_filename('../../etc/"x";.pdf') == "_x__.pdf"
    assert attachments.clean_filename("C:\\scans\\承诺书.pdf") == "承诺书.pdf"


def test_upload_list_open_and_tenancy(session: Session, world: World) -> None:
    blobs = MemoryBlobStore()
    app = service.create_application(session, actor=world.applicant, data=application_in(world))
    added = service.add_attachment(
        session,
        actor=world.applicant,
        blobs=blobs,
        application_id=app.id,
        filename="承诺书.pdf",
        data=PDF,
    )
    assert added.content_type == "application/pdf" and added.size_bytes == len(PDF)
    with pytest.raises(NotFound):
        service.add_attachment(
            session,
            actor=world.stranger,
            blobs=blobs,
            application_id=app.id,
            filename="x.pdf",
            data=PDF,
        )
    service.submit_application(session, actor=world.applicant, application_id=app.id)
    with pytest.raises(Conflict):
        service.add_attachment(
            session,
            actor=world.applicant,
            blobs=blobs,
            application_id=app.id,
            filename="late.pdf",
            data=PDF,
        )
    row, reader = service.open_attachment(
        session, actor=world.officer, blobs=blobs, application_id=app.id, attachment_id=added.id
    )
    assert reader.read() == PDF and row.filename == "承诺书.pdf"
    assert [
        a.id for a in service.list_attachments(session, actor=world.reviewer, application_id=app.id)
    ] == [added.id]
    with pytest.raises(NotFound):
        service.open_attachment(
            session,
            actor=world.other_officer,
            blobs=blobs,
            application_id=app.id,
            attachment_id=added.id,
        )
