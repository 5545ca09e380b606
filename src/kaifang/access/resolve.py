"""The one decision the data API and exports ask for: which columns and rows an actor may see.

Unconditional items are visible to everyone; conditional items only under an active, in-date,
non-revoked grant held by the actor (or the actor's organization) for this dataset and
channel; closed items never. Ungranted items are simply absent from a mixed query, but a
request that names one, or asks only for items it may not see, is refused and audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kaifang.access.grants import held_by
from kaifang.access.masking import MaskerFactory, default_masker_factory
from kaifang.access.models import Grant
from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.catalog.models import Dataset
from kaifang.datastore.access import DataAccess, Masker
from kaifang.datastore.columns import ColumnInfo, column_map
from kaifang.datastore.filters import FilterNode, parse_filter
from kaifang.db import utcnow
from kaifang.errors import BadRequest, PermissionDenied

REASONS = {
    "no_grant": "未获授权 (no grant for this dataset)",
    "revoked": "授权已撤销 (grant revoked)",
    "suspended": "授权已暂停，请提交数据利用报告 (grant suspended)",
    "expired": "授权已过期 (grant expired)",
    "not_yet_valid": "授权尚未生效 (grant not yet valid)",
    "channel_not_granted": "该渠道未获授权 (channel not granted)",
    "item_not_granted": "所请求数据项未获授权 (item not granted)",
    "closed": "不予开放的数据项 (closed items are never served)",
    "row_filter_invalid": "授权行过滤条件与数据表不符 (grant row filter no longer applies)",
}
_PRIORITY = ("not_yet_valid", "suspended", "expired", "revoked", "channel_not_granted")


@dataclass(frozen=True)
class Classified:
    """The table's columns sorted by open attribute."""

    unconditional: frozenset[str]
    conditional: frozenset[str]
    closed: frozenset[str]


@dataclass(frozen=True)
class AccessDecision:
    """The access to apply and the grant that gave it (None when no grant was needed)."""

    access: DataAccess
    grant: Grant | None = None
    granted_items: frozenset[str] = field(default_factory=frozenset)


def classify_columns(dataset: Dataset, columns: Sequence[ColumnInfo]) -> Classified:
    """Attribute per column from the catalogue item of the same name; no item = ColumnInfo.public."""
    items = {i.name: i.open_attribute for i in dataset.items}
    groups: dict[str, set[str]] = {"unconditional": set(), "conditional": set(), "closed": set()}
    for name, col in column_map(columns).items():
        attr = items.get(name) or ("unconditional" if col.public else "closed")
        # Unpublished data reaches only those who may see the draft (checked by the caller),
        # and then exactly as the public will see it.
        if (
            dataset.open_attribute == "closed"
            or dataset.status == "withdrawn"
            or attr not in groups
        ):
            attr = "closed"
        groups[attr].add(name)
    return Classified(*(frozenset(groups[k]) for k in ("unconditional", "conditional", "closed")))


def _usability(grant: Grant, channel: str, now: dt.datetime) -> str:
    if grant.status in ("revoked", "suspended", "expired"):
        return grant.status
    if grant.valid_until < now:
        return "expired"
    if grant.valid_from > now:
        return "not_yet_valid"
    if channel not in grant.channels:
        return "channel_not_granted"
    return "ok"


def find_grant(
    session: Session, *, actor: Actor, dataset_id: int, channel: str, now: dt.datetime
) -> tuple[Grant | None, str]:
    """The newest usable grant held by ``actor``, else None and the most telling reason."""
    if not actor.is_authenticated:
        return None, "no_grant"
    held = Grant.grantee_user_id == actor.user_id
    if actor.organization_id is not None:
        held = or_(held, Grant.grantee_organization_id == actor.organization_id)
    candidates = [
        g
        for g in session.scalars(
            select(Grant).where(Grant.dataset_id == dataset_id, held).order_by(Grant.id.desc())
        ).all()
        if held_by(g, actor)
    ]
    reasons = {_usability(g, channel, now): g for g in candidates}
    if "ok" in reasons:
        return reasons["ok"], "ok"
    return None, next((r for r in _PRIORITY if r in reasons), "no_grant")


def _deny(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    channel: str,
    reason: str,
    items: Collection[str],
) -> PermissionDenied:
    details = {
        "action": "data.access",
        "object_id": str(dataset.id),
        "reason": reason,
        "channel": channel,
        "items": sorted(items),
    }
    audit_service.record(
        session,
        action="data.access",
        actor=actor,
        object_type="dataset",
        object_id=dataset.id,
        outcome="denied",
        details=details,
    )
    return PermissionDenied(REASONS[reason], details=details)


def _maskers(
    grant: Grant, granted: frozenset[str], factory: MaskerFactory
) -> tuple[dict[str, Masker], frozenset[str]]:
    """Maskers per granted column; a column whose rule nobody understands is withheld."""
    maskers: dict[str, Masker] = {}
    withheld: set[str] = set()
    for name in granted:
        rule = grant.masking.get(name)
        if not rule:
            continue
        masker = factory(rule)
        if masker is None:
            withheld.add(name)
        else:
            maskers[name] = masker
    return maskers, granted - withheld


def _row_filter(grant: Grant, columns: Sequence[ColumnInfo]) -> FilterNode | None:
    if not grant.row_filter:
        return None
    return parse_filter(grant.row_filter, column_map(columns))


def resolve_access(
    session: Session,
    *,
    actor: Actor,
    dataset: Dataset,
    columns: Sequence[ColumnInfo],
    channel: str = "api",
    requested: Collection[str] | None = None,
    masker_factory: MaskerFactory = default_masker_factory,
    now: dt.datetime | None = None,
) -> AccessDecision:
    """Decide access and return it with the grant used (for quotas and call logs)."""
    now = now or utcnow()
    kinds = classify_columns(dataset, columns)
    grant, reason = (None, "no_grant")
    if kinds.conditional:
        grant, reason = find_grant(
            session, actor=actor, dataset_id=dataset.id, channel=channel, now=now
        )
    maskers: dict[str, Masker] = {}
    granted: frozenset[str] = frozenset()
    if grant is not None:
        maskers, granted = _maskers(
            grant, kinds.conditional & frozenset(grant.items), masker_factory
        )
        reason = "item_not_granted"
    asked = frozenset(requested) if requested is not None else frozenset(column_map(columns))
    _check_asked(
        session, actor, dataset, channel, kinds, asked, requested is not None, granted, reason
    )
    in_use = bool(asked & granted)
    if grant is None or not in_use:
        return AccessDecision(DataAccess(visible_columns=kinds.unconditional, channel="public"))
    try:
        row_filter = _row_filter(grant, columns)
    except BadRequest:
        raise _deny(session, actor, dataset, channel, "row_filter_invalid", granted) from None
    access = DataAccess(
        visible_columns=kinds.unconditional | granted,
        row_filter=row_filter,
        masking=MappingProxyType({k: v for k, v in maskers.items() if k in granted}),
        channel=channel,
    )
    return AccessDecision(access, grant, granted)


def _check_asked(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    channel: str,
    kinds: Classified,
    asked: frozenset[str],
    explicit: bool,
    granted: frozenset[str],
    reason: str,
) -> None:
    """Refuse a request naming an unseen item, or asking only for items it may not see."""
    if explicit and kinds.closed & asked:
        raise _deny(session, actor, dataset, channel, "closed", kinds.closed & asked)
    if explicit and (kinds.conditional - granted) & asked:
        raise _deny(session, actor, dataset, channel, reason, (kinds.conditional - granted) & asked)
    restricted = asked & (kinds.conditional | kinds.closed)
    if restricted and not asked & (kinds.unconditional | granted):
        why = reason if kinds.conditional & asked else "closed"
        raise _deny(session, actor, dataset, channel, why, restricted)


def resolve_data_access(
    session: Session,
    *,
    actor: Actor,
    dataset: Dataset,
    columns: Sequence[ColumnInfo],
    channel: str = "api",
    requested: Collection[str] | None = None,
    masker_factory: MaskerFactory = default_masker_factory,
    now: dt.datetime | None = None,
) -> DataAccess:
    """The DataAccess for ``actor`` on ``dataset``; raises PermissionDenied (audited) as above.

    ``requested`` names the columns the request explicitly selects or filters on (None = the
    whole table).
    """
    return resolve_access(
        session,
        actor=actor,
        dataset=dataset,
        columns=columns,
        channel=channel,
        requested=requested,
        masker_factory=masker_factory,
        now=now,
    ).access
