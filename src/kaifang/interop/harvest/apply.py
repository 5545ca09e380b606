"""Writing harvested records into the catalogue: create, update, skip unchanged, withdraw.

Harvested datasets are published at once as harvested metadata (see docs/decisions.md):
the source platform already reviewed them, and the administrator or reviewer who registered
the source answers for it. Every change is audited and left on the dataset's trail.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.schemas import DatasetIn
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.db import raise_event, utcnow
from kaifang.events import DatasetChanged
from kaifang.interop.harvest.mapping import map_fields
from kaifang.interop.harvest.models import HarvestRecord, HarvestSource
from kaifang.interop.harvest.records import HarvestedDataset, HarvestedResource


@dataclass(frozen=True)
class SourceSnapshot:
    """What a run needs of its source, read once when the run starts.

    ``publishers`` maps the names (and slugs) of the organizations in the source's region to
    their id and region, when the source files records under their publisher.
    """

    id: int
    name: str
    kind: str
    url: str
    organization_id: int
    region_code: str
    filters: dict[str, Any]
    publishers: dict[str, tuple[int, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, source: HarvestSource, session: Session | None = None) -> SourceSnapshot:
        filters = dict(source.filters or {})
        publishers = {}
        if session is not None and filters.get("match_publishers") is True:
            publishers = publisher_index(session, source.region_code)
        return cls(
            source.id,
            source.name,
            source.kind,
            source.url,
            source.organization_id,
            source.region_code,
            filters,
            publishers,
        )

    @property
    def matches_publishers(self) -> bool:
        return self.filters.get("match_publishers") is True

    def home_of(self, record: HarvestedDataset) -> tuple[int, str, str]:
        """The organization and region a record is filed under, and a note if its publisher
        matched none of the region's organizations (it goes to the source's)."""
        if not self.matches_publishers:
            return self.organization_id, self.region_code, ""
        for name in record.publisher:
            found = self.publishers.get(name.strip())
            if found is not None:
                return found[0], found[1], ""
        named = "、".join(record.publisher) or "（未注明）"
        note = (
            f"发布机构「{named}」不是本区域的机构，归入采集源的机构 "
            f"(publisher {named!r} is not an organization of the region; filed under the "
            "source's organization)"
        )
        return self.organization_id, self.region_code, note

    @property
    def actor(self) -> Actor:
        """Harvest writes act as the trusted system, named after the source in the audit log."""
        return Actor(username=f"harvest:{self.name}"[:150], role="system", via="harvest")

    @property
    def domain_map(self) -> dict[str, str]:
        mapping = self.filters.get("domain_map") or {}
        return {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else {}


@dataclass(frozen=True)
class Outcome:
    """What happened to one record; becomes one entry of the run report."""

    action: str
    identifier: str
    title: str = ""
    dataset_id: int | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action, "identifier": self.identifier}
        out.update({"title": self.title, "dataset_id": self.dataset_id})
        if self.reason:
            out["reason"] = self.reason
        if self.notes:
            out["notes"] = self.notes
        return out


def publisher_index(session: Session, region_code: str) -> dict[str, tuple[int, str]]:
    """Organizations of the region (and below) by name and by slug: id and region."""
    orgs = session.scalars(
        select(Organization).where(Organization.region_code.startswith(region_code))
    ).all()
    index: dict[str, tuple[int, str]] = {}
    for org in orgs:
        index.setdefault(org.slug, (org.id, org.region_code))
    for org in orgs:  # names win over another organization's slug
        index[org.name.strip()] = (org.id, org.region_code)
    return index


def record_digest(source: SourceSnapshot, record: HarvestedDataset) -> str:
    """What decides "unchanged": the mapped fields, and the organization when matched by
    publisher (so a record moves once its publisher's organization is registered)."""
    digest = record.content_hash()
    if not source.matches_publishers:
        return digest
    organization_id, _, _ = source.home_of(record)
    return hashlib.sha256(f"{digest}:{organization_id}".encode()).hexdigest()


def unchanged_links(session: Session, source_id: int) -> dict[tuple[str, str], int]:
    """(guid, content hash) → dataset id of the source's active links, read in one query."""
    rows = session.execute(
        select(HarvestRecord.guid, HarvestRecord.content_hash, HarvestRecord.dataset_id).where(
            HarvestRecord.source_id == source_id, HarvestRecord.state == "active"
        )
    )
    return {(guid, digest): dataset_id for guid, digest, dataset_id in rows}


def touch_links(session: Session, source_id: int, guids: list[str]) -> None:
    """Record that these links were seen unchanged in this run, in one statement."""
    now = utcnow()
    for start in range(0, len(guids), 500):  # stays under SQLite's bound-parameter limit
        session.execute(
            update(HarvestRecord)
            .where(
                HarvestRecord.source_id == source_id,
                HarvestRecord.guid.in_(guids[start : start + 500]),
            )
            .values(last_harvested_at=now)
            .execution_options(synchronize_session=False)
        )


def find_link(session: Session, source_id: int, record: HarvestedDataset) -> HarvestRecord | None:
    """The link of a record by its id, else by its stable key (the id changed at the source)."""
    links = session.scalars(
        select(HarvestRecord).where(
            HarvestRecord.source_id == source_id,
            or_(HarvestRecord.guid == record.guid, HarvestRecord.stable_key == record.stable_key),
        )
    ).all()
    return next((x for x in links if x.guid == record.guid), links[0] if links else None)


def apply_record(
    session: Session, *, source: SourceSnapshot, record: HarvestedDataset, code_template: str
) -> Outcome:
    """Create, update or skip the local dataset of one record; raises domain errors."""
    link = find_link(session, source.id, record)
    digest = record_digest(source, record)
    key = record.stable_key or record.guid
    # A record found by its stable key under another id is an identifier change: an update.
    same = link is not None and link.guid == record.guid and link.content_hash == digest
    if link is not None and same and link.state == "active":
        link.last_harvested_at = utcnow()
        return Outcome("unchanged", key, record.title, link.dataset_id)
    mapped = map_fields(
        VocabularyIndex(session), record, source_name=source.name, domain_map=source.domain_map
    )
    organization_id, region_code, note = source.home_of(record)
    home = {"organization_id": organization_id, "region_code": region_code}
    if link is None:
        dataset = _create(session, source, {**mapped.fields, **home}, code_template)
        link = HarvestRecord(source_id=source.id, dataset_id=dataset.id, guid=record.guid)
        action = "created"
    else:
        dataset = _update(session, source, link, mapped.fields, home)
        action = "updated"
    link.guid, link.stable_key, link.content_hash = record.guid, record.stable_key, digest
    link.state, link.last_harvested_at = "active", utcnow()
    session.add(link)
    _replace_resources(dataset, record.resources)
    session.flush()
    _audit(session, source, dataset, action, record)
    notes = [*mapped.notes, note] if note else mapped.notes
    return Outcome(action, key, record.title, dataset.id, notes=notes)


def _create(
    session: Session, source: SourceSnapshot, fields: dict[str, Any], code_template: str
) -> Dataset:
    data = DatasetIn(**{k: v for k, v in fields.items() if k != "grade"})
    dataset = catalog_service.create_dataset(
        session, actor=source.actor, data=data, code_template=code_template
    )
    dataset.grade = fields["grade"]
    _publish(session, source, dataset, "harvest")
    return dataset


def _update(
    session: Session,
    source: SourceSnapshot,
    link: HarvestRecord,
    fields: dict[str, Any],
    home: dict[str, Any],
) -> Dataset:
    dataset = session.get(Dataset, link.dataset_id)
    if dataset is None:  # the foreign key cascades, so only a concurrent delete gets here
        raise LookupError(f"dataset {link.dataset_id} vanished")
    if source.matches_publishers and dataset.organization_id != home["organization_id"]:
        fields = {**fields, **home}  # its publisher's organization was registered meanwhile
    changes = {k: v for k, v in fields.items() if getattr(dataset, k) != v}
    catalog_service.apply_changes(session, dataset=dataset, changes=changes, actor=source.actor)
    if "organization_id" in changes:
        session.flush()
        session.refresh(dataset, ["organization"])
    dataset.last_updated_at = utcnow()
    if link.state == "deleted" and dataset.status == "withdrawn":
        _publish(session, source, dataset, "harvest_restore")
    return dataset


def _publish(session: Session, source: SourceSnapshot, dataset: Dataset, action: str) -> None:
    before, now = dataset.status, utcnow()
    dataset.status, dataset.withdrawn_reason = "published", ""
    dataset.first_published_at = dataset.first_published_at or now
    dataset.last_updated_at = now
    comment = f"从采集源「{source.name}」发布 (published from harvest source {source.name})"
    catalog_service._event(session, dataset, source.actor, action, before, "published", comment)
    raise_event(session, DatasetChanged(dataset.id))


def _replace_resources(dataset: Dataset, wanted: tuple[HarvestedResource, ...]) -> None:
    """Make the dataset's link resources exactly the source's distributions."""
    links = [r for r in dataset.resources if r.current_version_id is None]
    have = sorted((r.name, r.url, r.format, r.description) for r in links)
    want = sorted((w.name, w.url, w.format, w.description) for w in wanted)
    if have == want:
        return
    for resource in links:
        dataset.resources.remove(resource)
    for item in wanted:
        kind = "api" if item.format == "API" else "file"
        dataset.resources.append(
            Resource(
                name=item.name,
                kind=kind,
                url=item.url,
                format=item.format,
                description=item.description,
            )
        )
    dataset.resource_count = len(dataset.resources)


def _audit(
    session: Session,
    source: SourceSnapshot,
    dataset: Dataset,
    action: str,
    record: HarvestedDataset,
) -> None:
    audit_service.record(
        session,
        action=f"dataset.harvest.{action}",
        actor=source.actor,
        object_type="dataset",
        object_id=dataset.id,
        details={"source": source.id, "guid": record.guid[:200], "key": record.stable_key[:200]},
    )


def withdraw_missing(session: Session, *, source: SourceSnapshot, seen: set[str]) -> list[Outcome]:
    """Withdraw the datasets whose record the source no longer lists (neither key was seen)."""
    links = session.scalars(
        select(HarvestRecord).where(
            HarvestRecord.source_id == source.id, HarvestRecord.state == "active"
        )
    ).all()
    return [
        _withdraw(session, source, link)
        for link in links
        if link.guid not in seen and link.stable_key not in seen
    ]


def _withdraw(session: Session, source: SourceSnapshot, link: HarvestRecord) -> Outcome:
    dataset = session.get(Dataset, link.dataset_id)
    reason = f"采集源「{source.name}」中已删除 (deleted at harvest source {source.name})"
    link.state = "deleted"
    if dataset is not None and dataset.status == "published":
        dataset.status, dataset.withdrawn_reason = "withdrawn", reason
        dataset.modified_at = utcnow()
        catalog_service._event(
            session, dataset, source.actor, "harvest_withdraw", "published", "withdrawn", reason
        )
        audit_service.record(
            session,
            action="dataset.harvest.deleted",
            actor=source.actor,
            object_type="dataset",
            object_id=dataset.id,
            details={"source": source.id, "guid": link.guid[:200]},
        )
        raise_event(session, DatasetChanged(dataset.id))
    title = dataset.title if dataset is not None else ""
    return Outcome("deleted", link.stable_key or link.guid, title, link.dataset_id, reason=reason)
