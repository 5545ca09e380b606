"""The visibility hook: which columns and rows a caller may see, and how values are masked."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import pyarrow as pa

from kaifang.datastore.columns import ColumnInfo, column_map

if TYPE_CHECKING:
    from kaifang.datastore.filters import FilterNode

Masker = Callable[[pa.Array], pa.Array]


@dataclass(frozen=True)
class DataAccess:
    """What one caller may see of a table.

    ``visible_columns`` (None = all) limits columns: hidden ones are absent from results and
    answer exactly like unknown columns when named. ``row_filter`` is a filter tree ANDed into
    every query; it may name any column of the table, visible or not, because it is written
    server-side. ``masking`` maps a column to a callable applied to its values before they
    leave; masked columns are output-only (they cannot be filtered, sorted, faceted,
    searched or grouped on, which would otherwise reveal the raw values).
    """

    visible_columns: frozenset[str] | None = None
    row_filter: FilterNode | None = None
    masking: Mapping[str, Masker] = field(default_factory=lambda: MappingProxyType({}))
    channel: str = "public"

    @classmethod
    def public(cls, columns: Iterable[ColumnInfo]) -> DataAccess:
        """The anonymous default: every column the catalogue marks public, all rows, no masks."""
        return cls(visible_columns=frozenset(c.name for c in columns if c.public))

    def is_visible(self, name: str) -> bool:
        return self.visible_columns is None or name in self.visible_columns

    def visible_map(self, columns: Iterable[ColumnInfo]) -> dict[str, ColumnInfo]:
        """The columns this caller may name and receive, in table order."""
        return {n: c for n, c in column_map(columns).items() if self.is_visible(n)}

    def queryable_map(self, columns: Iterable[ColumnInfo]) -> dict[str, ColumnInfo]:
        """The visible columns that may be filtered, sorted, faceted and searched on."""
        return {n: c for n, c in self.visible_map(columns).items() if n not in self.masking}

    def mask(self, name: str, values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """Apply the column's masking callable, if any."""
        masker = self.masking.get(name)
        if masker is None:
            return values
        if isinstance(values, pa.ChunkedArray):
            return pa.chunked_array(
                [masker(chunk) for chunk in values.chunks] or [masker(values.combine_chunks())]
            )
        return masker(values)

    def mask_table(self, table: pa.Table | pa.RecordBatch) -> pa.Table | pa.RecordBatch:
        """Return ``table`` with every masked column replaced by its masked values."""
        if not self.masking:
            return table
        arrays = [self.mask(name, table.column(i)) for i, name in enumerate(table.column_names)]
        if isinstance(table, pa.RecordBatch):
            return pa.RecordBatch.from_arrays(arrays, names=table.column_names)
        return pa.Table.from_arrays(arrays, names=table.column_names)
