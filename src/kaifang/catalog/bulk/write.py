"""Writing planned rows: creation in batches with the service's own rules, updates through it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.auth.policy import Target
from kaifang.catalog import service
from kaifang.catalog.bulk.creation import CityDuplicates, CodeAllocator, apply_item_rules, schema_of
from kaifang.catalog.bulk.plan import Action
from kaifang.catalog.models import CatalogCode, DataItem, Dataset
from kaifang.catalog.rules import CatalogCodeTemplate, classification
from kaifang.catalog.schemas import DataItemIn
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.db import raise_event
from kaifang.errors import Conflict, DomainError
from kaifang.events import DatasetChanged

BATCH = 500
CODE_ATTEMPTS = 3
SAVE_CONFLICT = (
    "保存时违反数据库约束（如数据项字段名冲突），未能更新"
    " (a database constraint failed while saving, e.g. a data item name clash; not updated)"
)


class RowFailure(Exception):
    """A domain error raised while writing one row, kept with the action it belongs to."""

    def __init__(self, action: Action, error: DomainError) -> None:
        super().__init__(error.message)
        self.action = action
        self.error = error


def _items(action: Action) -> list[DataItemIn]:
    return (action.data.items or []) if action.data is not None else []


@dataclass
class Writer:
    """Writes actions for one import inside the caller's transaction."""

    session: Session
    actor: Actor
    vocab: VocabularyIndex
    template: CatalogCodeTemplate
    comment: str
    codes: CodeAllocator
    duplicates: CityDuplicates
    revisions: int = 0

    def update(self, action: Action) -> None:
        """Edit a draft or stage a revision of a published dataset through update_dataset."""
        assert action.dataset is not None and action.patch is not None
        try:
            _, revision = service.update_dataset(
                self.session, actor=self.actor, dataset_id=action.dataset.id, patch=action.patch
            )
            # Flush now so a constraint failure is pinned on this row, not on a later one.
            self.session.flush()
        except DomainError as exc:
            raise RowFailure(action, exc) from None
        except IntegrityError:
            raise RowFailure(action, Conflict(SAVE_CONFLICT)) from None
        if revision is not None:
            self.revisions += 1

    def create_batch(self, actions: Sequence[Action]) -> None:
        """Create datasets as create_dataset does, retrying when another writer took a code."""
        for _attempt in range(CODE_ATTEMPTS):
            try:
                with self.session.begin_nested():
                    self._create(actions)
            except IntegrityError:
                self.codes.forget()
                continue
            except RowFailure:
                self.codes.forget()  # the batch's codes were rolled back; reissue them
                raise
            return
        raise Conflict("目录编码生成冲突，请重试 (catalogue code contention, retry)")

    def _create(self, actions: Sequence[Action]) -> None:
        datasets = [self._build(a) for a in actions]
        self.session.add_all(datasets)
        self.session.flush()
        self._insert_items(actions, datasets)
        for dataset in datasets:
            self.duplicates.note(dataset)
        for action, dataset in zip(actions, datasets, strict=True):
            action.dataset = dataset
            self._record_creation(action, dataset)
        self.session.flush()

    def _insert_items(self, actions: Sequence[Action], datasets: Sequence[Dataset]) -> None:
        """All items of the batch in one executemany: an ORM object per item costs 10x more."""
        rows = [
            {"dataset_id": dataset.id, "position": position, **item.model_dump()}
            for action, dataset in zip(actions, datasets, strict=True)
            for position, item in enumerate(_items(action))
        ]
        if rows:
            self.session.execute(insert(DataItem), rows)
        for dataset in datasets:
            self.session.expire(dataset, ["items"])

    def _build(self, action: Action) -> Dataset:
        """The draft create_dataset would build, from the same service helpers and checks."""
        data = action.data
        assert data is not None
        try:
            auth_service.authorize(
                self.actor,
                "dataset.create",
                Target(organization_id=action.organization.id, region_code=action.region),
            )
            dataset = Dataset(
                organization_id=action.organization.id,
                region_code=action.region,
                title=data.title,
                created_by=self.actor.user_id,
                is_demo=False,
                status="draft",
            )
            dataset.organization = action.organization
            fields = data.model_dump(
                exclude={"organization_id", "region_code", "catalog_code", "items"}
            )
            service._assign(dataset, service._resolve_vocab(self.vocab, fields))
            apply_item_rules(dataset, data.items or [])
        except DomainError as exc:
            raise RowFailure(action, exc) from None
        dataset.catalog_code = self._code(dataset, data.catalog_code)
        return dataset

    def _code(self, dataset: Dataset, wanted: str | None) -> str:
        """A given code (checked while planning) or the next one of its prefix; both recorded."""
        if wanted:
            self.session.add(CatalogCode(code=wanted, prefix=wanted, sequence=0))
            return wanted
        klass = classification(
            self.vocab.number("base_class", dataset.base_class or ""),
            self.vocab.number("domain", (dataset.domains or [""])[0]),
            dataset.organization_id,
        )
        code, prefix, seq = self.codes.issue(self.template, dataset, klass)
        self.session.add(CatalogCode(code=code, prefix=prefix, sequence=seq))
        return code

    def _record_creation(self, action: Action, dataset: Dataset) -> None:
        self.duplicates.flag(dataset, schema_of(_items(action)))
        service._event(self.session, dataset, self.actor, "create", "", "draft", self.comment)
        audit_service.record(
            self.session,
            action="dataset.create",
            actor=self.actor,
            object_type="dataset",
            object_id=dataset.id,
            details={"code": dataset.catalog_code, "via": "import"},
        )
        raise_event(self.session, DatasetChanged(dataset.id))
