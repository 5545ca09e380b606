"""The per-dataset steps of create_dataset that query or build objects, done once per import.

create_dataset re-reads max(sequence) for each code, loads every city dataset to look for a
re-opened copy and builds an ORM object per data item. At 10,000 datasets that is quadratic or
slow, so these helpers keep the same rules with in-memory counters and indexes; the parity
tests in tests/catalog/test_bulk.py compare their results with create_dataset's.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.auth.models import Region
from kaifang.catalog import duplicates
from kaifang.catalog.models import CatalogCode, Dataset
from kaifang.catalog.rules import CatalogCodeTemplate, check_item_attribute, highest_grade
from kaifang.catalog.schemas import DataItemIn
from kaifang.errors import InvalidInput


def apply_item_rules(dataset: Dataset, items: Sequence[DataItemIn]) -> None:
    """service._replace_items without its ORM objects: the checks, item count and 就高从严 grade."""
    seen: set[str] = set()
    for item in items:
        check_item_attribute(label=item.label, grade=item.grade, open_attribute=item.open_attribute)
        if item.name.lower() in seen:
            raise InvalidInput(
                f"数据项字段名重复: {item.name} (duplicate field name)",
                details={"item": item.label, "field": "name"},
            )
        seen.add(item.name.lower())
    dataset.item_count = len(items)
    dataset.grade = highest_grade((i.grade for i in items), default=dataset.grade or "L1")


def schema_of(items: Sequence[DataItemIn]) -> set[str]:
    """The labels duplicates._schema compares, taken from the input instead of loaded items."""
    return {(i.label or i.name).strip() for i in items}


class CodeAllocator:
    """Hands out catalogue sequence numbers per prefix after one max() query per prefix."""

    def __init__(self, session: Session, given: set[str]) -> None:
        self.session = session
        self.given = given
        self.next: dict[str, int] = {}

    def issue(
        self, template: CatalogCodeTemplate, dataset: Dataset, klass: str
    ) -> tuple[str, str, int]:
        """The next free code of the dataset's prefix, with its prefix and sequence number."""
        region, org = dataset.region_code, dataset.organization_id
        prefix = template.prefix(region=region, klass=klass, org=org)
        if prefix not in self.next:
            stmt = select(func.max(CatalogCode.sequence)).where(CatalogCode.prefix == prefix)
            self.next[prefix] = int(self.session.scalar(stmt) or 0) + 1
        while True:
            seq = self.next[prefix]
            self.next[prefix] = seq + 1
            code = template.build(region=region, klass=klass, org=org, seq=seq)
            # A code typed into a file earlier may sit where the counter arrives; skip it.
            if code not in self.given:
                return code, prefix, seq

    def forget(self) -> None:
        """Drop the counters after a rolled-back batch; they are re-read from the database."""
        self.next.clear()


class CityDuplicates:
    """duplicates.find_city_duplicate answered from an index of normalised city titles."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.titles: dict[str, dict[str, list[int]]] = {}
        self.names: dict[str, list[str]] = {}

    def flag(self, dataset: Dataset, schema: set[str]) -> None:
        """Set the duplicate fields as service._flag_duplicate does (a new draft has none)."""
        original = self._find(dataset, schema)
        if original is not None:
            # Assigning the empty defaults too would cost an UPDATE per created dataset.
            dataset.duplicate_of_id = original.id
            dataset.duplicate_note = (
                f"疑似重复开放市级数据集「{original.title}」({original.catalog_code})"
            )

    def note(self, dataset: Dataset) -> None:
        """Index a city dataset created in this import, once its id is known."""
        city = dataset.region_code
        if city in self.titles:
            key = duplicates.normalise_title(dataset.title, self._names(city))
            self.titles[city].setdefault(key, []).append(dataset.id)

    def _find(self, dataset: Dataset, schema: set[str]) -> Dataset | None:
        region = dataset.region_code
        if len(region) < 6 or region.endswith("00"):
            return None
        city = region[:4]
        key = duplicates.normalise_title(dataset.title, self._names(city))
        for candidate_id in self._titles(city).get(key, []):
            other = self.session.get(Dataset, candidate_id)
            if other is None or other.status == "withdrawn":
                continue
            if duplicates._similar_schema(schema, duplicates._schema(other)):
                return other
        return None

    def _names(self, city: str) -> list[str]:
        province = city[:2]
        if province not in self.names:
            stmt = select(Region.name).where(Region.code.startswith(province))
            self.names[province] = list(self.session.scalars(stmt))
        return self.names[province]

    def _titles(self, city: str) -> dict[str, list[int]]:
        if city not in self.titles:
            names = self._names(city)
            index: dict[str, list[int]] = {}
            stmt = (
                select(Dataset.id, Dataset.title)
                .where(Dataset.region_code == city, Dataset.status != "withdrawn")
                .order_by(Dataset.id)
            )
            for ds_id, title in self.session.execute(stmt):
                index.setdefault(duplicates.normalise_title(title, names), []).append(ds_id)
            self.titles[city] = index
        return self.titles[city]
