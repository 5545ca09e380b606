"""CSV and TSV: sniffing, headers, and every malformed input we refuse or reject."""

from __future__ import annotations

import pytest

from kaifang.errors import InvalidInput, TooLarge
from kaifang.ingest.readers.delimited import sniff_delimiter

from .conftest import column, types


def test_tsv_is_read(write, ingest):
    result = ingest(write("t.tsv", "名称\t数量\n甲\t1\n乙\t2\n"))
    assert types(result) == {"名称": "text", "数量": "integer"}
    assert result.report["format"] == "tsv"


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiter_sniffing(delimiter):
    text = "\n".join(
        delimiter.join(["a", "b,x" if delimiter != "," else "b", "c"]) for _ in range(10)
    )
    assert sniff_delimiter(text) == delimiter


def test_semicolon_file_is_noted(write, ingest):
    result = ingest(write("t.csv", "a;b\n1;2\n3;4\n"))
    assert column(result, "b") == [2, 4]
    assert any("分隔符" in w for w in result.report["warnings"])


def test_quoted_fields_with_delimiters_and_newlines(write, ingest):
    result = ingest(write("t.csv", 'name,note\n"Li, Lei","line1\nline2"\nWang,"say ""hi"""\n'))
    assert column(result, "note") == ["line1\nline2", 'say "hi"']


def test_title_rows_above_the_header_are_skipped(write, ingest):
    content = "杭州市2020年统计表,,\n单位：万元,,\n地区,人口,面积\n西湖区,111,309\n上城区,132,122\n"
    result = ingest(write("t.csv", content))
    assert list(types(result)) == ["地区", "人口", "面积"]
    assert result.report["first_row"] == 4


def test_header_row_can_be_chosen(write, ingest):
    result = ingest(write("t.csv", "x,y\na,b\n1,2\n"), header_row=2)
    assert list(types(result)) == ["a", "b"]
    assert column(result, "a") == [1]


def test_empty_and_duplicate_headers_get_unique_names(write, ingest):
    result = ingest(write("t.csv", "名称,,名称,Name,name\n1,2,3,4,5\n"))
    assert list(types(result)) == ["名称", "column_2", "名称_2", "Name", "name_2"]
    assert len(result.report["warnings"]) == 3


def test_empty_file_is_refused(write, ingest):
    with pytest.raises(InvalidInput, match="文件为空"):
        ingest(write("t.csv", b""))


def test_blank_file_is_refused(write, ingest):
    with pytest.raises(InvalidInput, match="文件为空"):
        ingest(write("t.csv", b"\xef\xbb\xbf\n\n  \n"))


def test_header_only_is_refused(write, ingest):
    with pytest.raises(InvalidInput, match="只有表头"):
        ingest(write("t.csv", "名称,数量\n"))


def test_unterminated_quote_is_refused_with_its_line(write, ingest):
    with pytest.raises(InvalidInput, match="第 3 行的引号没有闭合") as info:
        ingest(write("t.csv", 'a,b\n1,2\n3,"4\n5,6\n7,8\n'))
    assert info.value.details["row"] == 3


def test_ragged_rows_are_rejected_and_reported(write, ingest):
    rows = "".join(f"{i},{i}\n" for i in range(100))
    result = ingest(write("t.csv", "a,b\n" + rows + "1,2,3\n4\n5,5\n"))
    report = result.report
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (103, 101, 2)
    first, second = report["rejected"]
    assert (first["row"], first["column"]) == (102, None)
    assert "应为 2 列，实际 3 列" in first["reason"]
    assert "实际 1 列" in second["reason"]


def test_mostly_ragged_file_is_refused(write, ingest):
    with pytest.raises(InvalidInput, match="无法导入") as info:
        ingest(write("t.csv", "a,b\n1,2\n1,2,3\n4,5,6\n7,8,9\n"))
    assert info.value.details["rows_rejected"] == 3


def test_row_numbers_after_rejected_lines_point_at_the_source(write, ingest):
    content = "a,b\n" + "".join(f"{i},x\n" for i in range(60)) + "1,2,3\n" + "oops,x\n"
    result = ingest(write("t.csv", content), column_types={"a": "integer"})
    bad = [r for r in result.report["rejected"] if r["column"] == "a"]
    assert bad == [
        {
            "row": 63,
            "column": "a",
            "value": "oops",
            "reason": "无法转换为整数（cannot convert to integer）",
        }
    ]


def test_wide_header_is_refused_before_reading(write, ingest):
    header = ",".join(f"c{i}" for i in range(100_000))
    with pytest.raises(TooLarge, match="100000 列") as info:
        ingest(write("t.csv", header + "\n" + "1," * 99_999 + "1\n"))
    assert info.value.details["max_columns"] == 2000


def test_ten_megabyte_field_is_refused(write, ingest):
    with pytest.raises(TooLarge, match="第 3 行") as info:
        ingest(write("t.csv", "a,b\n1,2\n3," + "x" * 10_000_000 + "\n"))
    assert "MB" in info.value.message


def test_field_above_the_cell_limit_is_refused_with_row_and_column(write, ingest):
    with pytest.raises(TooLarge, match="第 3 行“b”列") as info:
        ingest(write("t.csv", "a,b\n1,2\n3," + "x" * 5000 + "\n"), max_field_bytes=4096)
    assert info.value.details == {"row": 3, "column": "b"}


def test_messages_never_contain_server_paths(write, ingest, tmp_path):
    with pytest.raises(InvalidInput) as info:
        ingest(write("t.csv", 'a,b\n1,"2\n'))
    assert str(tmp_path) not in info.value.message
    assert "Traceback" not in info.value.message
