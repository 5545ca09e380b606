"""The sandboxed spreadsheet child: same output as the in-process reader had, clean refusals.

``spreadsheet_expected.json`` holds what the in-process reader (before the child) produced
for the fixtures below: regenerate it only from that reader's source tree, with
``PYTHONPATH=<old src> python -m tests.ingest.test_spreadsheet_child``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from kaifang.errors import InvalidInput, TooLarge
from kaifang.ingest import IngestOptions, IngestResult, ingest_file

from .conftest import read_table
from .test_spreadsheet import _inline, _ods, _raw_xlsx, _workbook

EXPECTED = Path(__file__).parent / "data" / "spreadsheet_expected.json"


def _mixed(path: Path) -> Path:
    """Mixed cell types, ragged and empty rows, and empty rows across a batch boundary."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("混合")
    sheet.write_row(0, 0, ["编号", "名称", "金额", "有效", "备注", "代码"])
    for r in range(1, 16_400):
        if r % 997 == 0 or 16_380 <= r <= 16_390:
            continue  # an empty row
        sheet.write_number(r, 0, r)
        sheet.write_string(r, 1, f"名称{r % 13}")
        if r % 1000:
            sheet.write_number(r, 2, r * 1.25 + 0.1)
        else:
            sheet.write_string(r, 2, "不详")
        sheet.write_boolean(r, 3, r % 2 == 0)
        if r % 7 == 0:
            sheet.write_string(r, 4, "")
            sheet.write_string(r, 6, "越界")
        sheet.write_number(r, 5, 123456789012345678 if r == 9 else r)
    book.close()
    return path


def _plain_ods(path: Path) -> Path:
    def cell(value: str) -> str:
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'

    number = '<table:table-cell office:value-type="float" office:value="2.5"><text:p>2.5</text:p></table:table-cell>'
    rows = f"<table:table-row>{cell('名称')}{cell('数量')}</table:table-row>"
    rows += f"<table:table-row>{cell('甲')}{number}</table:table-row>"
    rows += "<table:table-row><table:table-cell/><table:table-cell/></table:table-row>"
    rows += f"<table:table-row>{cell('乙')}{number}</table:table-row>"
    return _ods(path, rows)


def _raw(path: Path) -> Path:
    body = f'<dimension ref="A1:XFD1048576"/><sheetData><row r="1">{_inline("A1", "a")}'
    body += f'{_inline("B1", "b")}</row><row r="3">{_inline("A3", "x")}</row></sheetData>'
    return _raw_xlsx(path, body)


FIXTURES: dict[str, tuple[Callable[[Path], Path], str, dict[str, Any]]] = {
    "workbook_by_name": (_workbook, "t.xlsx", {"sheet": "数据"}),
    "workbook_by_index_header_row": (_workbook, "t.xlsx", {"sheet": "1", "header_row": 3}),
    "mixed": (_mixed, "m.xlsx", {}),
    "mixed_rejects": (_mixed, "m.xlsx", {"column_types": {"金额": "decimal"}}),
    "ods": (_plain_ods, "t.ods", {}),
    "raw": (_raw, "r.xlsx", {}),
}


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.time, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


def _digest(values: list[Any]) -> dict[str, Any]:
    """A column as its first values and a hash of all of them (the file stays small)."""
    plain = [_plain(v) for v in values]
    text = json.dumps(plain, ensure_ascii=False, default=str)
    return {
        "head": plain[:5],
        "count": len(plain),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


def _outcome(result: IngestResult) -> dict[str, Any]:
    table = read_table(result)
    return {
        "columns": {name: _digest(table.column(name).to_pylist()) for name in table.column_names},
        "arrow_schema": str(table.schema.remove_metadata()),
        "schema": result.schema,
        "report": result.report,
        "profile": result.profile,
        "geo": result.geo,
        "rows": result.rows,
        "warnings": result.warnings,
    }


def _ingest_fixture(name: str, tmp: Path) -> dict[str, Any]:
    make, filename, options = FIXTURES[name]
    path = make(tmp / filename)
    opts = IngestOptions(output_path=tmp / "out" / f"{name}.parquet", **options)
    return json.loads(
        json.dumps(_outcome(ingest_file(path, filename=filename, options=opts)), default=str)
    )


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_output_matches_the_in_process_reader(tmp_path, name):
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))[name]
    assert _ingest_fixture(name, tmp_path) == expected


# -- refusals -------------------------------------------------------------------------------


@pytest.fixture
def children(monkeypatch) -> list[Any]:
    """Every SheetChild started during the test."""
    from kaifang.ingest.readers import spreadsheet

    started: list[Any] = []
    original = spreadsheet.SheetChild.__init__

    def record(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        started.append(self)

    monkeypatch.setattr(spreadsheet.SheetChild, "__init__", record)
    return started


def _fake_child(monkeypatch, code: str) -> None:
    from kaifang.ingest.readers import spreadsheet

    # argv as for the real child: import root, memory, request path, outcome path.
    monkeypatch.setattr(spreadsheet, "CHILD_CODE", "import sys, time\n" + code)


def _assert_reaped(children: list[Any]) -> None:
    assert children
    for child in children:
        assert child.process.returncode is not None
        with pytest.raises(ProcessLookupError):
            os.kill(child.process.pid, 0)


def test_guard_refusal_kills_the_child(tmp_path, ingest, monkeypatch, children):
    _fake_child(monkeypatch, "time.sleep(60)")
    body = f'<sheetData><row r="1">{_inline("A1", "a")}</row>'
    body += f'<row r="1048576">{_inline("XFD1048576", "b")}</row></sheetData>'
    with pytest.raises(TooLarge, match="1048576 行 × 16384 列"):
        ingest(_raw_xlsx(tmp_path / "t.xlsx", body))
    _assert_reaped(children)
    assert children[0].process.returncode == -signal.SIGKILL


def test_child_dying_of_its_memory_limit_is_refused(tmp_path, ingest, monkeypatch, children):
    from kaifang.ingest.readers import spreadsheet

    monkeypatch.setattr(spreadsheet, "guard_package", lambda *a, **k: [])
    monkeypatch.setattr(spreadsheet, "SANDBOX_MEMORY", 1024**3)
    body = f'<sheetData><row r="1">{_inline("A1", "a")}</row>'
    body += f'<row r="1048576">{_inline("XFD1048576", "b")}</row></sheetData>'
    with pytest.raises(TooLarge, match="内存超过上限"):
        ingest(_raw_xlsx(tmp_path / "bomb.xlsx", body))
    _assert_reaped(children)


def test_child_killed_by_a_signal_is_refused(tmp_path, ingest, monkeypatch):
    _fake_child(monkeypatch, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
    with pytest.raises(TooLarge, match="内存超过上限"):
        ingest(_workbook(tmp_path / "t.xlsx"), sheet="数据")


def test_child_timeout_is_refused(tmp_path, ingest, monkeypatch, children):
    from kaifang.ingest.readers import spreadsheet

    monkeypatch.setattr(spreadsheet, "SANDBOX_SECONDS", 0.5)
    _fake_child(monkeypatch, "time.sleep(60)")
    with pytest.raises(InvalidInput, match="超时"):
        ingest(_workbook(tmp_path / "t.xlsx"), sheet="数据")
    _assert_reaped(children)


def _outcome_code(text: str, status: int) -> str:
    return f"open(sys.argv[4], 'w').write({text!r})\nsys.exit({status})"


@pytest.mark.parametrize(
    "code",
    [
        _outcome_code("not json {", 3),
        _outcome_code(json.dumps({"error": {"code": "too_large", "message": "x" * 70_000}}), 3),
        _outcome_code(json.dumps({"error": {"code": "internal", "message": "x"}}), 3),
        _outcome_code(json.dumps({"error": "x"}), 3),
        _outcome_code("[1, 2]", 3),
        _outcome_code(json.dumps({"nothing": True}), 0),
        "sys.exit(0)",  # no stream and no outcome
        "sys.stdout.buffer.write(b'\\xff' * 100)\nsys.exit(0)",
    ],
)
def test_bad_child_outcome_is_refused(tmp_path, ingest, monkeypatch, children, code):
    _fake_child(monkeypatch, code)
    with pytest.raises(InvalidInput, match="已损坏或格式不受支持"):
        ingest(_workbook(tmp_path / "t.xlsx"), sheet="数据")
    _assert_reaped(children)


def _stream_code(schema: str, notes: dict[str, Any], batch: str, meta: str = "None") -> str:
    return (
        "import json, pyarrow as pa\n"
        f"schema = pa.schema({schema}, metadata={{b'kaifang': {json.dumps(notes)!r}}})\n"
        "with pa.ipc.new_stream(sys.stdout.buffer, schema) as w:\n"
        f"    w.write_batch(pa.record_batch({batch}, schema=schema), custom_metadata={meta})\n"
        "open(sys.argv[4], 'w').write('{\"done\": true}')\n"
    )


_NOTES = {"names": ["a"], "first_row": 2, "sheet": "s", "sheets": ["s"]}


@pytest.mark.parametrize(
    "code",
    [
        _stream_code("[('c0', pa.int64())]", _NOTES, "[pa.array([1])]"),
        _stream_code("[('x', pa.string())]", _NOTES, "[pa.array(['1'])]"),
        _stream_code("[('c0', pa.string())]", {**_NOTES, "names": ["a", "b"]}, "[pa.array(['1'])]"),
        _stream_code("[('c0', pa.string())]", {"names": ["a"]}, "[pa.array(['1'])]"),
        _stream_code(
            "[('c0', pa.string())]",
            _NOTES,
            "[pa.array(['1'])]",
            "{b'kaifang': b'{\"skipped\": [-5]}'}",
        ),
        _stream_code(
            "[('c0', pa.string())]", _NOTES, "[pa.array(['1'])]", "{b'kaifang': b'not json'}"
        ),
        _stream_code("[('c0', pa.string())]", _NOTES, "[pa.array(['1'])]")
        + "import os\nos.remove(sys.argv[4])\n",
    ],
)
def test_bad_child_stream_is_refused(tmp_path, ingest, monkeypatch, children, code):
    _fake_child(monkeypatch, code)
    with pytest.raises(InvalidInput, match="已损坏或格式不受支持"):
        ingest(_workbook(tmp_path / "t.xlsx"), sheet="数据")
    _assert_reaped(children)


def test_well_formed_fake_stream_is_read(tmp_path, ingest, monkeypatch):
    """The refusals above fail for the reason they name: the same stream, well-formed, loads."""
    _fake_child(monkeypatch, _stream_code("[('c0', pa.string())]", _NOTES, "[pa.array(['1'])]"))
    result = ingest(_workbook(tmp_path / "t.xlsx"), sheet="数据")
    assert result.rows == 1 and result.report["sheet"] == "s"


def test_refusal_while_staging_stops_the_child(tmp_path, ingest, children):
    path = _mixed(tmp_path / "m.xlsx")
    with pytest.raises(TooLarge, match="超过单元格上限"):
        ingest(path, max_field_bytes=3)
    _assert_reaped(children)


def test_closing_unread_batches_stops_the_child(tmp_path, children):
    from kaifang.ingest.readers.spreadsheet import open_spreadsheet

    options = IngestOptions(output_path=tmp_path / "o.parquet")
    path = _mixed(tmp_path / "m.xlsx")
    source = open_spreadsheet(path, fmt="xlsx", options=options, work_dir=tmp_path)
    assert source.names[:2] == ["编号", "名称"]
    source.batches.close()  # type: ignore[union-attr]
    _assert_reaped(children)


def test_binary_workbooks_are_listed_by_the_child(tmp_path, children):
    from kaifang.ingest import list_choices

    broken = tmp_path / "broken.xls"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(InvalidInput, match="损坏"):
        list_choices(
            broken, filename="broken.xls", options=IngestOptions(output_path=tmp_path / "o")
        )
    _assert_reaped(children)


def _write_expected() -> None:
    outputs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(FIXTURES):
            (Path(tmp) / name).mkdir()
            outputs[name] = _ingest_fixture(name, Path(tmp) / name)
    EXPECTED.parent.mkdir(exist_ok=True)
    EXPECTED.write_text(json.dumps(outputs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {EXPECTED}", file=sys.stderr)


if __name__ == "__main__":
    _write_expected()
