"""Issued extracts: registered and audited, marked batch by batch, traced to grant and recipient."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access.extracts import (
    ExtractMarker,
    issue_extract,
    key_id,
    recipient_code,
    record_marking,
    trace_leak,
)
from kaifang.access.models import Grant, IssuedExtract
from kaifang.audit.models import AuditRecord
from kaifang.auth.actor import ANONYMOUS, SYSTEM, Actor
from kaifang.errors import InvalidInput
from tests.access.conftest import World
from tests.access.helpers import approved
from tests.privacy.test_fingerprint import attack, make_table

KEY = b"extract-test-key-0123456789abcdef"
OLD_KEY = b"retired-test-key-0123456789abcdef"


def issue_and_mark(
    session: Session, grant: Grant, actor: Actor, table: pa.Table, key: bytes = KEY
) -> pa.Table:
    """Issue an extract and mark ``table`` in three batches, as a streamed export would."""
    extract = issue_extract(
        session, actor=actor, grant=grant, resource_id=1, version_number=2, fmt="csv", key=key
    )
    marker = ExtractMarker(
        key=key,
        code=extract.recipient_code,
        on_plan=lambda cols: record_marking(session, extract_id=extract.id, columns=cols),
    )
    batches = table.to_batches(max_chunksize=400)
    return pa.Table.from_batches(list(marker.mark_all(iter(batches))))


def test_an_extract_is_registered_audited_and_traced_after_an_attack(
    session: Session, world: World
) -> None:
    _app, grant = approved(session, world)
    table = make_table(random.Random(3), rows=1200)
    marked = issue_and_mark(session, grant, world.applicant, table)
    assert marked.schema == table.schema and marked["编号"] == table["编号"]
    extract = session.scalars(select(IssuedExtract)).one()
    assert extract.marked and extract.marked_columns == ["人口数", "收入"]
    assert extract.recipient_code == recipient_code(grant.id, world.applicant.user_id or 0)
    assert extract.key_id == key_id(KEY) and KEY.hex() not in extract.key_id
    issued = session.scalars(select(AuditRecord).where(AuditRecord.action == "extract.issue"))
    assert issued.one().details["grant_id"] == grant.id

    leaked = attack(marked, random.Random(4))
    result = trace_leak(session, actor=SYSTEM, table=leaked, keys=[KEY])
    assert result.found and result.grant_id == grant.id
    assert result.recipient_user_id == world.applicant.user_id
    assert result.as_dict()["recipient"]["username"] == world.applicant.username
    assert result.extracts[0]["version"] == 2 and result.confidence > 0.999


def test_other_recipients_and_unmarked_copies_are_never_accused(
    session: Session, world: World
) -> None:
    _app, grant = approved(session, world)
    table = make_table(random.Random(8), rows=1200)
    issue_and_mark(session, grant, world.applicant, table)
    outsider_copy = issue_and_mark(session, grant, world.stranger, table, key=OLD_KEY)
    # The stranger's copy is marked under a retired key: only tracing with it finds them.
    assert not trace_leak(session, actor=SYSTEM, table=outsider_copy, keys=[KEY]).found
    result = trace_leak(session, actor=SYSTEM, table=outsider_copy, keys=[KEY, OLD_KEY])
    assert result.found and result.recipient_user_id == world.stranger.user_id
    unmarked = trace_leak(session, actor=SYSTEM, table=table, keys=[KEY, OLD_KEY])
    assert not unmarked.found and "no fingerprint" in unmarked.message
    assert unmarked.as_dict()["recipient"] is None
    outcomes = session.scalars(
        select(AuditRecord.outcome).where(AuditRecord.action == "extract.trace")
    ).all()
    assert outcomes == ["not_found", "success", "not_found"]


def test_nothing_issued_means_no_fingerprint_and_anonymous_gets_no_extract(
    session: Session, world: World
) -> None:
    table = make_table(random.Random(2), rows=300)
    result = trace_leak(session, actor=SYSTEM, table=table, keys=[KEY])
    assert not result.found and result.details["candidates"] == 0
    _app, grant = approved(session, world)
    with pytest.raises(InvalidInput):
        issue_extract(
            session,
            actor=ANONYMOUS,
            grant=grant,
            resource_id=1,
            version_number=1,
            fmt="csv",
            key=KEY,
        )


def test_a_table_without_numbers_leaves_unmarked_and_says_so(
    session: Session, world: World
) -> None:
    _app, grant = approved(session, world)
    table = pa.table({"编号": [f"R{i}" for i in range(50)], "名称": ["甲"] * 50})
    assert issue_and_mark(session, grant, world.applicant, table) == table
    extract = session.scalars(select(IssuedExtract)).one()
    assert not extract.marked and extract.marked_columns == []
