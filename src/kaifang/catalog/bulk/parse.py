"""Rows of the two sheets turned into validated catalogue input, every problem collected."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from kaifang.catalog.bulk.columns import (
    DATASET_COLUMNS,
    ITEM_COLUMNS,
    Column,
    HeaderMap,
    detect_header,
)
from kaifang.catalog.bulk.report import RowError, row_error, split_message
from kaifang.catalog.bulk.values import (
    CellError,
    cell_text,
    default_open_attribute,
    not_in_vocabulary,
    parse_data_type,
    parse_date,
    parse_grade,
    parse_int,
    parse_open_attribute,
    split_list,
)
from kaifang.catalog.rules import check_item_attribute
from kaifang.catalog.schemas import DataItemIn, DatasetIn
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.errors import InvalidInput

MAX_ITEMS = 2000
# Keys that locate or own a dataset rather than describe it; the planner resolves them.
LOCATOR_KEYS = ("catalog_code", "organization", "region_code")


@dataclass
class ItemRow:
    """One 数据项 row: which dataset it belongs to and the item it describes."""

    row: int
    code: str
    title: str
    item: DataItemIn | None = None
    errors: list[RowError] = field(default_factory=list)


@dataclass
class DatasetRow:
    """One 数据集 row: provided fields as catalogue codes, its locators and its items."""

    row: int
    code: str
    organization: str
    region: str
    fields: dict[str, Any] = field(default_factory=dict)
    data: DatasetIn | None = None
    items: list[ItemRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(i.errors for i in self.items)


@dataclass(frozen=True)
class SheetContext:
    """A sheet's name, recognised header and column definitions, for locating errors."""

    name: str
    header: HeaderMap
    columns: dict[str, Column]

    def values(self, cells: Sequence[object]) -> dict[str, str]:
        return {
            key: cell_text(cells[pos]) if pos < len(cells) else ""
            for key, pos in self.header.positions.items()
        }

    def error(self, row: int, key: str, zh: str, en: str) -> RowError:
        column = self.columns.get(key)
        label = self.header.labels.get(key) or (column.zh if column else "")
        return row_error(
            row=row,
            sheet=self.name,
            column=label,
            column_en=column.en if column else "",
            zh=zh,
            en=en,
        )


def dataset_context(name: str, header: HeaderMap) -> SheetContext:
    return SheetContext(name, header, {c.key: c for c in DATASET_COLUMNS})


def item_context(name: str, rows: Sequence[Sequence[object]]) -> SheetContext | None:
    header = detect_header(rows, kind="items")
    if header is None:
        return None
    return SheetContext(name, header, {c.key: c for c in ITEM_COLUMNS})


# --- datasets --------------------------------------------------------------------------------


def _vocab(kind: str) -> Callable[[str, VocabularyIndex], Any]:
    def parse(text: str, vocab: VocabularyIndex) -> str:
        try:
            return vocab.resolve(kind, text, field=kind)
        except InvalidInput:
            raise not_in_vocabulary(text) from None

    return parse


def _vocab_list(kind: str) -> Callable[[str, VocabularyIndex], Any]:
    one = _vocab(kind)
    return lambda text, vocab: list(dict.fromkeys(one(v, vocab) for v in split_list(text)))


def _text(text: str, _vocab: VocabularyIndex) -> str:
    return text


DATASET_PARSERS: dict[str, Callable[[str, VocabularyIndex], Any]] = {
    "domains": _vocab_list("domain"),
    "formats": _vocab_list("format"),
    "keywords": lambda text, _v: split_list(text),
    "base_class": _vocab("base_class"),
    "update_frequency": _vocab("update_frequency"),
    "licence": _vocab("licence"),
    "open_attribute": lambda text, _v: parse_open_attribute(text),
    "temporal_start": lambda text, _v: parse_date(text),
    "temporal_end": lambda text, _v: parse_date(text),
}


def parse_dataset_row(
    cells: Sequence[object], row: int, ctx: SheetContext, vocab: VocabularyIndex
) -> DatasetRow | None:
    """A dataset row with every cell checked; None for a blank row."""
    values = ctx.values(cells)
    if not any(values.values()):
        return None
    out = DatasetRow(
        row=row,
        code=values.get("catalog_code", ""),
        organization=values.get("organization", ""),
        region=values.get("region_code", ""),
    )
    for key, text in values.items():
        if not text or key in LOCATOR_KEYS:
            continue
        try:
            out.fields[key] = DATASET_PARSERS.get(key, _text)(text, vocab)
        except CellError as exc:
            out.errors.append(ctx.error(row, key, exc.zh, exc.en))
    if not values.get("title"):
        out.errors.append(ctx.error(row, "title", "不能为空", "is required"))
        return out
    start, end = out.fields.get("temporal_start"), out.fields.get("temporal_end")
    if start and end and start > end:
        out.errors.append(
            ctx.error(row, "temporal_start", "晚于时间范围止", "is after the temporal end")
        )
    out.data = _validated(DatasetIn, out.fields, row, ctx, out.errors)
    return out


def _validated(
    model: Any, fields: dict[str, Any], row: int, ctx: SheetContext, errors: list[RowError]
) -> Any:
    """The pydantic model for ``fields``, or None with its complaints added as row errors."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        for problem in exc.errors():
            key = str(problem["loc"][0]) if problem["loc"] else ""
            zh, en = _translate(problem)
            errors.append(ctx.error(row, key, zh, en))
        return None


def _translate(problem: Any) -> tuple[str, str]:
    """Chinese and English for the pydantic complaints a template cell can trigger."""
    kind, limits = problem["type"], problem.get("ctx") or {}
    if kind == "string_too_short":
        n = limits.get("min_length")
        return f"至少需要 {n} 个字", f"needs at least {n} characters"
    if kind == "string_too_long":
        n = limits.get("max_length")
        return f"超过 {n} 个字", f"is longer than {n} characters"
    if kind == "too_long":
        n = limits.get("max_length")
        return f"最多填写 {n} 项", f"takes at most {n} values"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = limits.get("ge", limits.get("le"))
        word = (
            ("不能小于", "must be at least")
            if kind == "greater_than_equal"
            else ("不能大于", "must be at most")
        )
        return f"{word[0]} {bound}", f"{word[1]} {bound}"
    if kind == "value_error":
        return split_message(str(problem["msg"]).removeprefix("Value error, "))
    return "取值无效", str(problem["msg"])


# --- data items ------------------------------------------------------------------------------

ITEM_PARSERS: dict[str, Callable[[str], Any]] = {
    "data_type": parse_data_type,
    "length": parse_int,
    "precision": parse_int,
    "open_attribute": parse_open_attribute,
    "grade": parse_grade,
}
ITEM_TEXT_KEYS = ("label", "name", "description", "pii_kind", "masking_rule")


def parse_item_row(cells: Sequence[object], row: int, ctx: SheetContext) -> ItemRow | None:
    """An item row with every cell and the grade/open-attribute rule checked; None if blank."""
    values = ctx.values(cells)
    if not any(values.values()):
        return None
    out = ItemRow(
        row=row, code=values.get("catalog_code", ""), title=values.get("dataset_title", "")
    )
    fields: dict[str, Any] = {k: values[k] for k in ITEM_TEXT_KEYS if values.get(k)}
    for key, parse in ITEM_PARSERS.items():
        if values.get(key):
            try:
                fields[key] = parse(values[key])
            except CellError as exc:
                out.errors.append(ctx.error(row, key, exc.zh, exc.en))
    for key in ("label", "name"):
        if not values.get(key):
            out.errors.append(ctx.error(row, key, "不能为空", "is required"))
    if not out.code and not out.title:
        out.errors.append(
            ctx.error(
                row, "catalog_code", "与数据集名称至少填一项", "or the dataset title is required"
            )
        )
    fields.setdefault("open_attribute", default_open_attribute(fields.get("grade")))
    if not out.errors:
        out.item = _validated(DataItemIn, fields, row, ctx, out.errors)
    if out.item is not None:
        _check_attribute(out, ctx)
    return out


def _check_attribute(out: ItemRow, ctx: SheetContext) -> None:
    item = out.item
    assert item is not None
    try:
        check_item_attribute(label=item.label, grade=item.grade, open_attribute=item.open_attribute)
    except InvalidInput as exc:
        zh, en = split_message(exc.message)
        out.errors.append(ctx.error(out.row, "open_attribute", zh, f"item '{item.label}': {en}"))
        out.item = None


# --- sheets ----------------------------------------------------------------------------------


def parse_datasets(
    rows: Sequence[Sequence[object]], ctx: SheetContext, vocab: VocabularyIndex
) -> list[DatasetRow]:
    """Every non-blank row below the header, numbered as in the spreadsheet."""
    out = []
    for index in range(ctx.header.row, len(rows)):
        parsed = parse_dataset_row(rows[index], index + 1, ctx, vocab)
        if parsed is not None:
            out.append(parsed)
    _flag_repeated_codes(out, ctx)
    return out


def _flag_repeated_codes(rows: list[DatasetRow], ctx: SheetContext) -> None:
    first: dict[str, int] = {}
    for parsed in rows:
        if not parsed.code:
            continue
        if parsed.code in first:
            parsed.errors.append(
                ctx.error(
                    parsed.row,
                    "catalog_code",
                    f"'{parsed.code}' 与第{first[parsed.code]}行重复",
                    f"'{parsed.code}' repeats row {first[parsed.code]}",
                )
            )
        else:
            first[parsed.code] = parsed.row


def parse_items(rows: Sequence[Sequence[object]], ctx: SheetContext) -> list[ItemRow]:
    out = []
    for index in range(ctx.header.row, len(rows)):
        parsed = parse_item_row(rows[index], index + 1, ctx)
        if parsed is not None:
            out.append(parsed)
    return out


def attach_items(
    datasets: list[DatasetRow],
    items: list[ItemRow],
    *,
    item_ctx: SheetContext,
    dataset_ctx: SheetContext,
    known_codes: dict[str, DatasetRow],
) -> None:
    """Give each dataset row its item rows, by catalogue code first, else by title.

    ``known_codes`` adds the codes of existing datasets that rows without a code matched, so
    the items sheet of an export still links after its codes were cleared from the datasets.
    """
    by_code = known_codes | {d.code: d for d in datasets if d.code}
    by_title: dict[str, list[DatasetRow]] = {}
    for d in datasets:
        by_title.setdefault(str(d.fields.get("title", "")).strip(), []).append(d)
    for item in items:
        owner = _owner(item, by_code, by_title, item_ctx)
        if owner is not None:
            owner.items.append(item)
    for d in datasets:
        _check_item_names(d, item_ctx)
        if len(d.items) > MAX_ITEMS:
            d.errors.append(
                dataset_ctx.error(
                    d.row, "", f"数据项超过 {MAX_ITEMS} 个", f"more than {MAX_ITEMS} data items"
                )
            )


def _owner(
    item: ItemRow,
    by_code: dict[str, DatasetRow],
    by_title: dict[str, list[DatasetRow]],
    ctx: SheetContext,
) -> DatasetRow | None:
    if item.code:
        owner = by_code.get(item.code)
        if owner is None:
            item.errors.append(
                ctx.error(
                    item.row,
                    "catalog_code",
                    f"'{item.code}' 在数据集表中不存在",
                    f"'{item.code}' is not in the datasets sheet",
                )
            )
        return owner
    owners = by_title.get(item.title.strip(), [])
    if len(owners) == 1:
        return owners[0]
    if owners:
        zh = f"'{item.title}' 对应多个数据集（第{'、'.join(str(o.row) for o in owners)}行），请填写目录编码"
        en = f"'{item.title}' matches several datasets; give the catalogue code"
    else:
        zh, en = (
            f"'{item.title}' 在数据集表中不存在",
            f"'{item.title}' is not in the datasets sheet",
        )
    item.errors.append(ctx.error(item.row, "dataset_title", zh, en))
    return None


def _check_item_names(dataset: DatasetRow, ctx: SheetContext) -> None:
    seen: dict[str, int] = {}
    for item in dataset.items:
        if item.item is None:
            continue
        key = item.item.name.lower()
        if key in seen:
            item.errors.append(
                ctx.error(
                    item.row,
                    "name",
                    f"'{item.item.name}' 与第{seen[key]}行重复",
                    f"'{item.item.name}' repeats row {seen[key]}",
                )
            )
        else:
            seen[key] = item.row


def item_failures(dataset: DatasetRow, ctx: SheetContext, items_sheet: str) -> RowError | None:
    """A dataset-row error pointing at its failed item rows, so the dataset row is not silent."""
    bad = [str(i.row) for i in dataset.items if i.errors]
    if not bad:
        return None
    return ctx.error(
        dataset.row,
        "",
        f"数据项有误，见{items_sheet}表第{'、'.join(bad)}行",
        f"data items have errors, see {items_sheet} sheet rows {', '.join(bad)}",
    )
